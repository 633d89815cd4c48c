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
