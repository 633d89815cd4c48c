email-footer = Baygrants · 粵港澳大灣區公益創投平台。您收到此電郵，是因為您在 Baygrants 的帳戶。
email-verify-email-subject = 請確認您在 Baygrants 的電郵地址
email-verify-email-p1 = { $name }，您好：
email-verify-email-p2 = 感謝您註冊 Baygrants。請按下方連結確認您的電郵地址，連結有效期為 48 小時。
email-verify-email-p3 = 如您沒有註冊，請忽略此電郵。
email-verify-email-action = 確認我的電郵地址
email-password-reset-subject = 設定新的 Baygrants 密碼
email-password-reset-p1 = { $name }，您好：
email-password-reset-p2 = 有人申請重設您 Baygrants 帳戶的密碼。下方連結只可使用一次，有效期一小時。
email-password-reset-p3 = 如非您本人申請，請忽略此電郵，您的密碼不會改變。
email-password-reset-action = 設定新密碼
email-member-invitation-subject = 邀請您加入 Baygrants 上的{ $organization }
email-member-invitation-p1 = { $inviter }邀請您加入 Baygrants 上的{ $organization }。
email-member-invitation-p2 = 請按連結接受邀請。如您尚未有帳戶，請先以此電郵地址註冊。邀請有效期為 14 天。
email-member-invitation-action = 接受邀請
email-organization-verified-subject = { $organization }已通過審核
email-organization-verified-p1 = 基金已審核{ $organization }，機構現在可以牽頭或參與申請。
email-organization-verified-p2 = 說明：{ $note }
email-organization-verified-action = 查看機構
email-organization-returned-subject = { $organization }：審核已退回
email-organization-returned-p1 = 基金已退回{ $organization }的審核，請修正資料。
email-organization-returned-p2 = 原因：{ $reason }
email-organization-returned-p3 = 修正並儲存資料後，機構會重新進入審核隊列。
email-organization-returned-action = 查看機構
email-partner-invitation-subject = { $lead }邀請您聯合申請
email-partner-invitation-p1 = { $lead }邀請貴機構成為申請「{ $title }」的合作機構。
email-partner-invitation-p2 = 請打開申請，填寫角色及貢獻後接受，或拒絕邀請。
email-partner-invitation-action = 打開申請
email-partner-accepted-subject = { $partner }已接受您的邀請
email-partner-accepted-p1 = { $partner }已接受成為「{ $title }」的合作機構。
email-partner-accepted-action = 打開申請
email-partner-declined-subject = { $partner }已拒絕您的邀請
email-partner-declined-p1 = { $partner }已拒絕成為「{ $title }」的合作機構。
email-partner-declined-action = 打開申請
email-submission-receipt-subject = 已收到：{ $title }
email-submission-receipt-p1 = 向「{ $call }」提交的申請「{ $title }」已收到。
email-submission-receipt-p2 = 徵集截止前，牽頭機構可將申請退回草稿修改，或撤回申請。
email-submission-receipt-action = 打開申請
email-draft-reminder-subject = 徵集即將截止：{ $title }
email-draft-reminder-p1 = 草稿「{ $title }」尚未提交。徵集將於 { $closes } 截止。
email-draft-reminder-p2 = 請打開草稿查看尚待完成的事項。
email-draft-reminder-action = 打開草稿
email-panel-invitation-subject = 您已加入評審小組：{ $call }
email-panel-invitation-p1 = 您已加入「{ $call }」的評審小組。
email-panel-invitation-p2 = 請在評審專家頁面記錄您與機構的關係，系統便不會分配其申請給您。
email-panel-invitation-action = 打開我的評審頁面
email-review-assigned-subject = 有一份評審分配給您：{ $title }
email-review-assigned-p1 = 「{ $call }」的申請「{ $title }」已分配給您評審。
email-review-assigned-p2 = 閱讀前，請先打開並申報您有否利益衝突。
email-review-assigned-action = 打開評審
email-panel-invitation-new-subject = 邀請您加入評審小組：{ $call }
email-panel-invitation-new-p1 = 您獲邀加入「{ $call }」的評審小組。
email-panel-invitation-new-p2 = 請以收到本郵件的電郵地址註冊並驗證，即可加入小組。
email-panel-invitation-new-action = 註冊
email-review-reminder-subject = 評審即將到期：{ $title }
email-review-reminder-p1 = 您對「{ $title }」的評審將於 { $due } 到期，目前尚未提交。
email-review-reminder-action = 打開評審
email-decision-subject = 申請結果：{ $title }
email-decision-p1 = { $outcome ->
    [award] 恭喜！您在「{ $call }」的申請「{ $title }」獲得資助 { $amount }。
    [decline] 很遺憾，您在「{ $call }」的申請「{ $title }」這次未獲資助。
   *[other] 您在「{ $call }」的申請「{ $title }」已列入候補名單。
    }
email-decision-p2 = 決定的理由及評審意見如下。
email-decision-action = 查看申請
email-award-update-subject = 資助更新：{ $title }
email-award-update-p1 = { $event ->
    [offer_reminder] 「{ $title }」的資助要約（{ $amount }）即將失效：請在期限前接受協議並登記銀行帳戶。
    [report_due] 「{ $title }」的進度報告即將到期，請按時提交。
    [report_overdue] 「{ $title }」的進度報告已逾期；逾期報告會被資助方記錄。
    [lapsed] 「{ $title }」的資助要約已過接受期限而失效，款項已撥回資金池。
    [report_approved] 「{ $title }」的進度報告已獲批准。
    [report_returned] 「{ $title }」的進度報告需要修改後再提交，意見如下。
    [payment_awaiting] 「{ $title }」有一筆 { $amount } 的付款申請等待另一位財務人員批核。
    [payment_sent] 「{ $title }」的一筆撥款 { $amount } 已匯出（匯款通知）。
    [payment_settled] 銀行已支付「{ $title }」的 { $amount }（匯款通知）：以下列出基金支出、您按何匯率收到的款額及參考編號。
    [payment_returned] 「{ $title }」的一筆付款 { $amount } 被銀行退回，銀行的原因如下。請在資助頁面核對銀行資料，如有需要請更正。
    [return_awaiting] 「{ $title }」被退回的付款 { $amount } 等待另一位財務人員確認。
    [bank_awaiting] 「{ $title }」的受資助機構更正了銀行資料，須由財務人員確認。
    [bank_confirmed] 「{ $title }」的銀行資料已確認；付款將匯至此帳戶。
    [bank_rejected] 「{ $title }」更正的銀行資料未獲接納；請核對後再次提交。
   *[closed] 「{ $title }」的資助已結束，未使用的款項已撥回資金池。
    }
email-award-update-action = 打開資助
email-decision-p3 = { $outcome ->
    [award] 請於六星期內在網上接受資助協議並登記銀行帳戶，否則要約將會失效。
   *[other] {""}
    }
email-second-factor-subject = { $event ->
    [enrolled] 您的帳戶現須以驗證器應用程式登入
    [recovery-used] 有人以備用碼登入您的帳戶
    [codes-renewed] 您的帳戶已產生新的備用碼
   *[reset] 您帳戶的第二重驗證已被重設
    }
email-second-factor-p1 = { $event ->
    [enrolled] 您的 Baygrants 帳戶已設定驗證器應用程式為第二重驗證，今後每次登入均須輸入其驗證碼。
    [recovery-used] 有人使用備用碼（而非應用程式的驗證碼）登入了您的 Baygrants 帳戶。
    [codes-renewed] 您的 Baygrants 帳戶已產生新的備用碼，之前的備用碼已經失效。
   *[reset] 基金管理人員已移除您 Baygrants 帳戶的第二重驗證並結束其登入工作階段；您下次登入時須重新設定驗證器應用程式。
    }
email-second-factor-p2 = 如非您本人操作，請立即更改密碼並通知基金管理人員。
email-second-factor-action = 打開您的帳戶
