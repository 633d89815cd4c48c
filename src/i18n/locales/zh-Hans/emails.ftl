email-footer = Baygrants · 粤港澳大湾区公益创投平台。您收到此邮件，是因为您在 Baygrants 的账户。
email-verify-email-subject = 请确认您在 Baygrants 的邮箱地址
email-verify-email-p1 = { $name }，您好：
email-verify-email-p2 = 感谢您注册 Baygrants。请点击下方链接确认您的邮箱地址，链接有效期为 48 小时。
email-verify-email-p3 = 如您没有注册，请忽略此邮件。
email-verify-email-action = 确认我的邮箱地址
email-password-reset-subject = 设置新的 Baygrants 密码
email-password-reset-p1 = { $name }，您好：
email-password-reset-p2 = 有人申请重置您 Baygrants 账户的密码。下方链接只能使用一次，有效期一小时。
email-password-reset-p3 = 如非您本人申请，请忽略此邮件，您的密码不会改变。
email-password-reset-action = 设置新密码
email-member-invitation-subject = 邀请您加入 Baygrants 上的{ $organization }
email-member-invitation-p1 = { $inviter }邀请您加入 Baygrants 上的{ $organization }。
email-member-invitation-p2 = 请点击链接接受邀请。如您还没有账户，请先用此邮箱地址注册。邀请有效期为 14 天。
email-member-invitation-action = 接受邀请
email-organization-verified-subject = { $organization }已通过审核
email-organization-verified-p1 = 基金已审核{ $organization }，机构现在可以牵头或参与申请。
email-organization-verified-p2 = 说明：{ $note }
email-organization-verified-action = 查看机构
email-organization-returned-subject = { $organization }：审核已退回
email-organization-returned-p1 = 基金已退回{ $organization }的审核，请修正资料。
email-organization-returned-p2 = 原因：{ $reason }
email-organization-returned-p3 = 修正并保存资料后，机构会重新进入审核队列。
email-organization-returned-action = 查看机构
email-partner-invitation-subject = { $lead }邀请您联合申请
email-partner-invitation-p1 = { $lead }邀请贵机构成为申请“{ $title }”的合作机构。
email-partner-invitation-p2 = 请打开申请，填写角色及贡献后接受，或拒绝邀请。
email-partner-invitation-action = 打开申请
email-partner-accepted-subject = { $partner }已接受您的邀请
email-partner-accepted-p1 = { $partner }已接受成为“{ $title }”的合作机构。
email-partner-accepted-action = 打开申请
email-partner-declined-subject = { $partner }已拒绝您的邀请
email-partner-declined-p1 = { $partner }已拒绝成为“{ $title }”的合作机构。
email-partner-declined-action = 打开申请
email-submission-receipt-subject = 已收到：{ $title }
email-submission-receipt-p1 = 向“{ $call }”提交的申请“{ $title }”已收到。
email-submission-receipt-p2 = 征集截止前，牵头机构可将申请退回草稿修改，或撤回申请。
email-submission-receipt-action = 打开申请
email-draft-reminder-subject = 征集即将截止：{ $title }
email-draft-reminder-p1 = 草稿“{ $title }”尚未提交。征集将于 { $closes } 截止。
email-draft-reminder-p2 = 请打开草稿查看尚待完成的事项。
email-draft-reminder-action = 打开草稿
email-panel-invitation-subject = 您已加入评审小组：{ $call }
email-panel-invitation-p1 = 您已加入“{ $call }”的评审小组。
email-panel-invitation-p2 = 请在评审专家页面记录您与机构的关系，系统便不会把其申请分配给您。
email-panel-invitation-action = 打开我的评审页面
email-review-assigned-subject = 有一份评审分配给您：{ $title }
email-review-assigned-p1 = “{ $call }”的申请“{ $title }”已分配给您评审。
email-review-assigned-p2 = 阅读前，请先打开并申报您是否有利益冲突。
email-review-assigned-action = 打开评审
email-panel-invitation-new-subject = 邀请您加入评审小组：{ $call }
email-panel-invitation-new-p1 = 您获邀加入“{ $call }”的评审小组。
email-panel-invitation-new-p2 = 请以收到本邮件的电子邮箱注册并验证，即可加入小组。
email-panel-invitation-new-action = 注册
email-review-reminder-subject = 评审即将到期：{ $title }
email-review-reminder-p1 = 您对“{ $title }”的评审将于 { $due } 到期，目前尚未提交。
email-review-reminder-action = 打开评审
email-decision-subject = 申请结果：{ $title }
email-decision-p1 = { $outcome ->
    [award] 恭喜！您在“{ $call }”的申请“{ $title }”获得资助 { $amount }。
    [decline] 很遗憾，您在“{ $call }”的申请“{ $title }”这次未获资助。
   *[other] 您在“{ $call }”的申请“{ $title }”已列入候补名单。
    }
email-decision-p2 = 决定的理由及评审意见如下。
email-decision-action = 查看申请
email-award-update-subject = 资助更新：{ $title }
email-award-update-p1 = { $event ->
    [offer_reminder] “{ $title }”的资助要约（{ $amount }）即将失效：请在期限前接受协议并登记银行账户。
    [report_due] “{ $title }”的进度报告即将到期，请按时提交。
    [report_overdue] “{ $title }”的进度报告已逾期；逾期报告会被资助方记录。
    [lapsed] “{ $title }”的资助要约已过接受期限而失效，款项已拨回资金池。
    [report_approved] “{ $title }”的进度报告已获批准。
    [report_returned] “{ $title }”的进度报告需要修改后再提交，意见如下。
    [payment_awaiting] “{ $title }”有一笔 { $amount } 的付款申请等待另一位财务人员批核。
    [payment_sent] “{ $title }”的一笔拨款 { $amount } 已汇出（汇款通知）。
    [payment_settled] 银行已支付“{ $title }”的 { $amount }（汇款通知）：以下列出基金支出、您按何汇率收到的款额及参考编号。
    [payment_returned] “{ $title }”的一笔付款 { $amount } 被银行退回，银行的原因如下。请在资助页面核对银行资料，如有需要请更正。
    [return_awaiting] “{ $title }”被退回的付款 { $amount } 等待另一位财务人员确认。
    [bank_awaiting] “{ $title }”的受资助机构更正了银行资料，须由财务人员确认。
    [bank_confirmed] “{ $title }”的银行资料已确认；付款将汇至此账户。
    [bank_rejected] “{ $title }”更正的银行资料未获接纳；请核对后再次提交。
   *[closed] “{ $title }”的资助已结束，未使用的款项已拨回资金池。
    }
email-award-update-action = 打开资助
email-decision-p3 = { $outcome ->
    [award] 请于六周内在网上接受资助协议并登记银行账户，否则要约将会失效。
   *[other] {""}
    }
email-second-factor-subject = { $event ->
    [enrolled] 您的账户现须以验证器应用登录
    [recovery-used] 有人以备用码登录您的账户
    [codes-renewed] 您的账户已生成新的备用码
   *[reset] 您账户的第二重验证已被重置
    }
email-second-factor-p1 = { $event ->
    [enrolled] 您的 Baygrants 账户已设置验证器应用为第二重验证，今后每次登录均须输入其验证码。
    [recovery-used] 有人使用备用码（而非应用的验证码）登录了您的 Baygrants 账户。
    [codes-renewed] 您的 Baygrants 账户已生成新的备用码，之前的备用码已经失效。
   *[reset] 基金管理人员已移除您 Baygrants 账户的第二重验证并结束其登录会话；您下次登录时须重新设置验证器应用。
    }
email-second-factor-p2 = 如非您本人操作，请立即更改密码并通知基金管理人员。
email-second-factor-action = 打开您的账户
