## Layout
app-name = 灣區公益創投平台 Baygrants
skip-to-content = 跳至主要內容
nav-label = 主選單
nav-home = 首頁
nav-admin-users = 用戶
nav-admin-emails = 電郵
nav-admin-audit = 審計紀錄
nav-account = 我的帳戶
nav-logout = 登出
nav-login = 登入
nav-register = 註冊
lang-switch-label = 語言
notice-unverified = 請確認您的電郵地址：我們已寄出確認連結。
notice-resend = 重新寄出連結
footer-text = Baygrants — 粵港澳大灣區公益創投平台。所有時間均為灣區時間（UTC+8）。
form-has-errors = 請修正下列標示的欄位。
save = 儲存
search = 搜尋
yes = 是
no = 否
next-page = 下一頁

## Home
home-title = 服務大灣區社會組織的資助平台
home-lead = 資助方發佈資助計劃徵集，廣東、香港與澳門的社會組織聯合申請，評審小組線上評審，每一筆撥款均可追溯。
home-welcome = 歡迎，{ $name }。

## Fields
field-name = 姓名
field-email = 電郵地址
field-password = 密碼
field-password-new = 新密碼
field-password-confirm = 確認密碼
field-password-current = 目前密碼
field-lang = 語言
hint-password = 至少 10 個字元。

## Registration and login
register-title = 建立帳戶
register-submit = 建立帳戶
register-have-account = 已有帳戶？
login-title = 登入
login-submit = 登入
login-forgot = 忘記密碼？
forgot-title = 忘記密碼
forgot-lead = 請輸入您的電郵地址，我們會寄出設定新密碼的連結。
forgot-submit = 寄出連結
forgot-sent-title = 請查看電郵
forgot-sent-body = 如有帳戶使用該地址，設定新密碼的連結已寄出。連結只可使用一次，有效期一小時。
reset-title = 設定新密碼
reset-submit = 設定新密碼
reset-invalid-title = 此連結已失效
reset-invalid-body = 密碼連結只可使用一次，有效期一小時。請在登入頁面重新申請。
verify-done-title = 電郵地址已確認
verify-done-body = 謝謝，您的電郵地址已確認。
verify-already-title = 已經確認
verify-already-body = 此電郵地址早前已確認，您可以登入。
verify-invalid-title = 此連結已失效
verify-invalid-body = 確認連結無效或已過期。請登入後重新申請。

## Account
account-title = 我的帳戶
account-profile = 個人資料
account-password = 密碼
account-change-password = 更改密碼

## Roles
role-admin = 基金管理員
role-finance = 財務人員

## Administration
admin-users-title = 用戶與角色
admin-users-search = 按姓名或電郵搜尋
admin-users-verified = 電郵已確認
admin-users-roles = 角色
admin-users-grant = （授予）
admin-users-revoke = （撤銷）
admin-emails-title = 電郵發送
admin-emails-pending = 等待發送的電郵：{ $count }
admin-emails-none = 沒有發送失敗的電郵。
admin-emails-recipient = 收件人
admin-emails-subject = 主旨
admin-emails-status = 狀態
admin-emails-attempts = 嘗試次數
admin-emails-error = 最近錯誤
admin-emails-failed = 發送失敗
admin-emails-retrying = 將於 { $at } 重試
admin-emails-retry = 重試
admin-audit-title = 審計紀錄
admin-audit-all = 顯示全部事件
admin-audit-when = 時間
admin-audit-who = 操作者
admin-audit-action = 操作
admin-audit-entity = 紀錄
admin-audit-change = 變更前 → 變更後
admin-audit-from = 來源
admin-audit-system = 系統

## Validation
err-required = 此欄必須填寫。
err-email-too-long = 電郵地址過長（最多 254 個字元）。
err-email-invalid = 電郵地址格式不正確，例如 name@example.org。
err-name-too-long = 姓名過長（最多 100 個字元）。
err-name-invalid = 姓名包含不可使用的字元。
err-password-too-short = 密碼太短：請使用至少 10 個字元。
err-password-too-long = 密碼太長：最多 128 個字元。
err-password-mismatch = 兩次輸入的密碼不一致。
err-lang-unknown = 請選擇所提供的語言之一。
err-email-taken = 此電郵地址已有帳戶。請登入，或申請密碼連結。
err-current-password-wrong = 目前密碼不正確。
err-last-admin = 不能撤銷最後一位基金管理員的角色。
err-login-refused = 電郵地址或密碼不正確。
err-login-locked = 嘗試失敗次數過多，請於 { $until } 後再試。

## Messages after an action
flash-registered = 帳戶已建立。我們已寄出確認電郵地址的連結；您現在可以登入。
flash-logged-out = 您已登出。
flash-password-reset = 密碼已更改，所有登入工作階段已結束。請以新密碼登入。
flash-profile-saved = 個人資料已儲存。
flash-password-changed = 密碼已更改，您在其他裝置的登入已結束。
flash-verification-sent = 我們已寄出新的確認連結。
flash-roles-saved = 角色已儲存。
flash-last-admin = 不能撤銷最後一位基金管理員的角色。
flash-email-requeued = 電郵已重新排隊發送。
flash-email-not-failed = 該電郵並非發送失敗，未有任何變更。

## Error pages
error-code = 錯誤代碼
error-400-title = 無法讀取請求
error-400-body = 請求內容無法理解，請返回再試。
error-403-title = 不獲准許
error-403-body = 您無權進行此操作。
error-csrf-title = 表格已失效
error-csrf-body = 為保障您的安全，表格未被接受。請返回、重新載入頁面後再提交。未有任何變更。
error-404-title = 找不到頁面
error-404-body = 此地址沒有頁面，或您無權查看。
error-413-title = 內容過大
error-413-body = 您提交的內容超出上限，未有任何變更。
error-500-title = 出現錯誤
error-500-body = 未能完成您的請求，未有任何變更；請稍後再試。
error-503-title = 暫時無法使用
error-503-body = 服務繁忙或正在維護，請稍後再試。

## Emails
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

## Navigation (organizations and calls)
nav-calls = 資助計劃徵集
nav-my-orgs = 我的機構
nav-directory = 機構名錄
nav-admin-verifications = 機構審核
nav-admin-calls = 管理徵集
nav-admin-funds = 基金
nav-admin-focus = 重點領域
choose = 請選擇…
any = 不限

## Places and kinds of organization
jurisdiction-mainland = 內地
jurisdiction-hong_kong = 香港
jurisdiction-macau = 澳門
city-guangzhou = 廣州
city-shenzhen = 深圳
city-zhuhai = 珠海
city-foshan = 佛山
city-huizhou = 惠州
city-dongguan = 東莞
city-zhongshan = 中山
city-jiangmen = 江門
city-zhaoqing = 肇慶
orgtype-social_group = 社會團體（內地）
orgtype-social_service_agency = 民辦非企業單位／社會服務機構（內地）
orgtype-foundation = 基金會（內地）
orgtype-overseas_ngo_office = 境外非政府組織代表機構（內地）
orgtype-hk_charity = 根據《稅務條例》第88條獲豁免繳稅的慈善機構（香港）
orgtype-hk_company_limited_by_guarantee = 擔保有限公司（香港）
orgtype-hk_society = 社團（香港）
orgtype-macau_association = 已登記社團（澳門）
verification-pending = 等待審核
verification-verified = 已審核
verification-returned = 已退回修正
member-role-owner = 負責人
member-role-member = 成員
badge-verified = 已審核
badge-whitelisted = 跨境白名單
badge-debarred = 禁止參與至 { $until }

## Organization fields
field-name-zh = 中文名稱
field-name-en = 英文名稱
field-name-hant = 繁體中文名稱
field-name-hans = 簡體中文名稱
field-org-type = 機構類型
field-city = 城市
field-city-mainland = 城市（內地機構）
field-place = 登記地
field-registration = 登記號碼
hint-registration = 內地機構：18位統一社會信用代碼。香港及澳門機構：登記證明上的號碼。
field-founded = 成立日期
field-focus = 服務領域
field-address = 地址
field-website = 網站
field-contact-email = 聯絡電郵
field-code = 代碼
field-verification-note = 給機構的說明（退回時必須填寫）
field-debarred-until = 禁止參與至
field-debarment-reason = 原因
hint-debarment = 日期留空即解除禁止。

## Organizations
directory-title = 社會組織名錄
directory-search = 名稱（中文或英文）
directory-verified-only = 只顯示已審核
directory-none = 沒有符合的機構。
mine-title = 我的機構
mine-none = 您尚未加入任何機構。
org-create = 登記機構
org-edit-title = 編輯機構資料
org-contacts-login = 登入後可查看聯絡資料。
org-returned-notice = 審核已退回：
org-admin-panel = 機構審核（管理員）
org-approve = 審核通過
org-return = 退回修正
org-whitelist-add = 加入跨境白名單
org-whitelist-remove = 移出白名單
org-debar = 儲存禁止參與
members-title = 成員
members-role = 角色
members-actions = 操作
members-make-owner = 設為負責人
members-make-member = 設為成員
members-remove = 移除
members-pending = 等待回覆的邀請
members-invite = 邀請成員
members-send-invitation = 寄出邀請
invitation-title = 加入機構的邀請
invitation-lead = 您獲邀加入 Baygrants 上的一個機構。
invitation-accept = 接受邀請
verifications-title = 等待審核的機構
verifications-none = 沒有等待審核的機構。

## Funds and key areas
funds-title = 基金
funds-new = 新增基金
funds-create = 建立基金
field-sponsors = 出資方
field-currency = 貨幣
focus-title = 重點領域准入目錄
focus-new = 新增重點領域
focus-active = 使用中
focus-retire = 停用
focus-restore = 恢復

## Calls
calls-title = 資助計劃徵集
calls-open = 接受申請中
calls-upcoming = 即將開始
calls-closed = 已截止
calls-none = 暫時沒有。
admin-calls-title = 管理徵集
call-new = 新增徵集
call-edit-title = 編輯徵集
call-state = 狀態
call-state-draft = 草稿
call-state-published = 已發佈
call-state-in_review = 評審中
call-state-decided = 已決定
call-state-archived = 已歸檔
call-to-published = 發佈（凍結規則、評分標準及匯率）
call-to-in_review = 開始評審
call-to-decided = 標示為已決定
call-to-archived = 歸檔
call-phase-open = 接受申請中
call-phase-upcoming = 即將開始
call-phase-closed = 已截止
call-opens-in = { $days } 天 { $hours } 小時後開始接受申請。
call-closes-in = { $days } 天 { $hours } 小時後截止。
call-closed-notice = 申請已截止。
call-admin-panel = 管理
call-request-range = 申請金額
call-months = { $months } 個月
call-eligibility = 申請資格
call-section-basics = 徵集內容
call-section-rules = 申請資格規則
call-section-rates = 兌基金貨幣的匯率
call-section-rubric = 評分標準
call-criterion-n = 評分項目 { $n }
hint-bay-area-time = 日期及時間均為灣區時間（UTC+8）。
hint-rates = 每一單位貨幣折合基金貨幣的金額。基金本身的貨幣固定為 1。
hint-rubric = 每行一個評分項目；權重合計必須為 100。空行不計。
field-title = 標題
field-title-zh = 中文標題
field-title-en = 英文標題
field-description-zh = 中文說明
field-description-en = 英文說明
field-fund = 基金
field-opens = 開始
field-closes = 截止
field-budget = 徵集預算
field-min-request = 最低申請額
field-max-request = 最高申請額
field-max-duration = 項目最長期限（月）
field-rule-joint = 必須聯合申請（至少一個內地機構及一個香港或澳門機構）
field-rule-lead = 可牽頭的登記地（不選即不限）
field-rule-verified = 機構必須已審核
field-rule-whitelist = 香港及澳門合作機構必須在白名單內
field-rule-registered = 截止前至少登記滿的月數
field-rule-matching = 配套資金至少佔項目總預算（%）
field-rule-overhead = 行政費用最多佔申請資助額（%）
field-rule-max-applications = 每個機構最多牽頭的申請數目
field-rule-no-debarred = 被禁止參與的機構不得參與
field-rule-declaration = 牽頭機構須聲明過去三年沒有嚴重違規
field-anonymise = 以不具名方式向申請人展示評審意見
field-rate-cny = 1 人民幣 =
field-rate-hkd = 1 港元 =
field-rate-mop = 1 澳門元 =
field-criterion = 評分項目
field-guidance = 評分指引
field-guidance-zh = 中文評分指引
field-guidance-en = 英文評分指引
field-weight = 權重
field-max-score = 最高分
rule-joint = 必須聯合申請：牽頭機構與合作機構之中，至少有一個內地機構及一個香港或澳門機構。
rule-lead = 牽頭機構的登記地須為：{ $places }。
rule-verified = 申請中的每個機構均須經基金審核。
rule-whitelist = 香港及澳門合作機構須在跨境白名單內。
rule-registered = 牽頭機構須於截止日期前至少 { $months } 個月已登記。
rule-matching = 配套資金至少佔項目總預算的 { $percent }%。
rule-overhead = 行政費用最多佔申請資助額的 { $percent }%。
rule-max-applications = 每個機構在本徵集最多牽頭 { $count } 份申請。
rule-no-debarred = 申請中沒有被禁止參與的機構。
rule-declaration = 牽頭機構須聲明過去三年沒有嚴重違規行為。
rule-none = 任何機構均可申請。

## Validation (organizations and calls)
err-too-long = 內容過長。
err-text-invalid = 內容包含不可使用的字元。
err-choice-unknown = 請從提供的選項中選擇。
err-city-required = 請選擇內地機構的登記城市。
err-uscc-length = 統一社會信用代碼共 18 位。
err-uscc-charset = 代碼只可包含數字及字母 A–H、J–N、P–R、T、U、W、X、Y（不含 I、O、S、V、Z）。
err-uscc-check = 最後一位校驗碼不符：可能有字元輸入錯誤或兩個字元位置對調。
err-uscc-department = 第一位必須是 5：即在民政部門登記的機構代碼。
err-uscc-type = 第二位與機構類型不符（1 社會團體、2 社會服務機構、3 基金會、9 其他）。
err-uscc-region = 第 3 至 8 位的行政區劃代碼不在所選城市，亦不是 440000（廣東省）或 100000（全國）。
err-regno-hk-shape = 香港登記號碼由 4 至 20 個字母、數字、/ 或 - 組成，至少包含 4 個數字（例如 91/12345）。
err-regno-macau-shape = 澳門登記號碼為數字，可於 / 後加上年份（例如 1234/2015）。
err-regno-taken = 已有機構以此登記號碼登記。
err-date-invalid = 日期不正確。
err-date-future = 此日期在未來。
err-date-not-future = 日期必須在未來。
err-website-invalid = 請輸入以 http:// 或 https:// 開頭的完整網址。
err-focus-required = 請至少選擇一個重點領域。
err-focus-unknown = 請從目錄中選擇重點領域。
err-email-unverified = 登記機構前，請先確認您的電郵地址。
err-already-member = 此人已是成員。
err-last-owner = 機構必須保留至少一位負責人。
err-invitation-invalid = 此邀請無效、已過期或已使用。
err-invitation-other-email = 此邀請寄給另一個電郵地址。請以該地址登入後接受。
err-reason-required = 請說明原因。
err-whitelist-not-eligible = 只有已審核的香港及澳門機構可加入白名單。
err-code-invalid = 請使用 2 至 40 個小寫字母、數字或 _，並以字母開頭。
err-code-taken = 目錄中已有此代碼。
err-amount-negative = 金額不可為負數。
err-amount-invalid = 請輸入金額，例如 12,345.60。
err-amount-cents = 最多兩位小數。
err-amount-too-large = 金額過大。
err-amount-zero = 金額必須大於零。
err-number-invalid = 請輸入允許範圍內的整數。
err-percent-invalid = 請輸入 0 至 100 的百分比。
err-rate-invalid = 請輸入正數匯率，例如 0.92（最多六位小數）。
err-rate-zero = 匯率不可為零。
err-datetime-invalid = 請輸入日期及時間，例如 2026-12-01 09:00。
err-closes-before-opens = 截止時間必須在開始時間之後。
err-min-above-max = 最低申請額不可高於最高申請額。
err-max-above-budget = 最高申請額不可高於徵集預算。
err-rubric-empty = 請至少加入一個評分項目。
err-rubric-weights = 評分項目的權重合計必須為 100。
err-criterion-names = 請為評分項目填寫中文及英文名稱。
err-criterion-weight = 權重必須是 1 至 100 的整數。
err-criterion-max = 最高分必須是 1 至 100 的整數。
err-call-frozen = 此徵集已發佈：其規則、評分標準及匯率不可再更改。
err-call-transition = 徵集不能由目前狀態轉到該狀態。
err-publish-after-closing = 截止時間已過：請先修改再發佈。
error-409-title = 目前無法進行

## Messages after an action (organizations and calls)
flash-org-created = 機構已登記，等待基金審核。
flash-org-saved = 已儲存。
flash-invitation-sent = 邀請已寄出。
flash-members-saved = 成員資料已儲存。
flash-joined = 您已加入機構。
flash-verification-decided = 決定已儲存，並已電郵通知負責人。
flash-fund-created = 基金已建立。
flash-catalogue-saved = 目錄已儲存。
flash-call-saved = 徵集已儲存。
flash-call-state = 徵集狀態已更新。

## Emails (organizations)
email-member-invitation-subject = 邀請您加入 Baygrants 上的 { $organization }
email-member-invitation-p1 = { $inviter } 邀請您加入 Baygrants 上的 { $organization }。
email-member-invitation-p2 = 請按連結接受邀請。如您尚未有帳戶，請先以此電郵地址註冊。邀請有效期為 14 天。
email-member-invitation-action = 接受邀請
email-organization-verified-subject = { $organization } 已通過審核
email-organization-verified-p1 = 基金已審核 { $organization }，機構現在可以牽頭或參與申請。
email-organization-verified-p2 = 說明：{ $note }
email-organization-verified-action = 查看機構
email-organization-returned-subject = { $organization }：審核已退回
email-organization-returned-p1 = 基金已退回 { $organization } 的審核，請修正資料。
email-organization-returned-p2 = 原因：{ $reason }
email-organization-returned-p3 = 修正並儲存資料後，機構會重新進入審核隊列。
email-organization-returned-action = 查看機構
