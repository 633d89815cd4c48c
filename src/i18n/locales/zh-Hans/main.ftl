## Layout
app-name = 湾区公益创投平台 Baygrants
skip-to-content = 跳至主要内容
nav-label = 主菜单
nav-home = 首页
nav-admin-users = 用户
nav-admin-emails = 邮件
nav-admin-audit = 审计记录
nav-account = 我的账户
nav-logout = 退出登录
nav-login = 登录
nav-register = 注册
lang-switch-label = 语言
notice-unverified = 请确认您的邮箱地址：我们已发送确认链接。
notice-resend = 重新发送链接
footer-text = Baygrants — 粤港澳大湾区公益创投平台。所有时间均为湾区时间（UTC+8）。
form-has-errors = 请修正下列标示的字段。
save = 保存
search = 搜索
yes = 是
no = 否
next-page = 下一页

## Home
home-title = 服务大湾区社会组织的资助平台
home-lead = 资助方发布资助计划征集，广东、香港与澳门的社会组织联合申请，评审小组在线评审，每一笔拨款均可追溯。
home-welcome = 欢迎，{ $name }。

## Fields
field-name = 姓名
field-email = 邮箱地址
field-password = 密码
field-password-new = 新密码
field-password-confirm = 确认密码
field-password-current = 当前密码
field-lang = 语言
hint-password = 至少 10 个字符。

## Registration and login
register-title = 创建账户
register-submit = 创建账户
register-have-account = 已有账户？
login-title = 登录
login-submit = 登录
login-forgot = 忘记密码？
forgot-title = 忘记密码
forgot-lead = 请输入您的邮箱地址，我们会发送设置新密码的链接。
forgot-submit = 发送链接
forgot-sent-title = 请查收邮件
forgot-sent-body = 如有账户使用该地址，设置新密码的链接已发出。链接只能使用一次，有效期一小时。
reset-title = 设置新密码
reset-submit = 设置新密码
reset-invalid-title = 此链接已失效
reset-invalid-body = 密码链接只能使用一次，有效期一小时。请在登录页面重新申请。
verify-done-title = 邮箱地址已确认
verify-done-body = 谢谢，您的邮箱地址已确认。
verify-already-title = 已经确认
verify-already-body = 此邮箱地址此前已确认，您可以登录。
verify-invalid-title = 此链接已失效
verify-invalid-body = 确认链接无效或已过期。请登录后重新申请。

## Account
account-title = 我的账户
account-profile = 个人资料
account-password = 密码
account-change-password = 修改密码

## Roles
role-admin = 基金管理员
role-finance = 财务人员

## Administration
admin-users-title = 用户与角色
admin-users-search = 按姓名或邮箱搜索
admin-users-verified = 邮箱已确认
admin-users-roles = 角色
admin-users-grant = （授予）
admin-users-revoke = （撤销）
admin-emails-title = 邮件发送
admin-emails-pending = 等待发送的邮件：{ $count }
admin-emails-none = 没有发送失败的邮件。
admin-emails-recipient = 收件人
admin-emails-subject = 主题
admin-emails-status = 状态
admin-emails-attempts = 尝试次数
admin-emails-error = 最近错误
admin-emails-failed = 发送失败
admin-emails-retrying = 将于 { $at } 重试
admin-emails-retry = 重试
admin-audit-title = 审计记录
admin-audit-all = 显示全部事件
admin-audit-when = 时间
admin-audit-who = 操作者
admin-audit-action = 操作
admin-audit-entity = 记录
admin-audit-change = 变更前 → 变更后
admin-audit-from = 来源
admin-audit-system = 系统

## Validation
err-required = 此项为必填。
err-email-too-long = 邮箱地址过长（最多 254 个字符）。
err-email-invalid = 邮箱地址格式不正确，例如 name@example.org。
err-name-too-long = 姓名过长（最多 100 个字符）。
err-name-invalid = 姓名包含不可使用的字符。
err-password-too-short = 密码太短：请使用至少 10 个字符。
err-password-too-long = 密码太长：最多 128 个字符。
err-password-mismatch = 两次输入的密码不一致。
err-lang-unknown = 请选择所提供的语言之一。
err-email-taken = 此邮箱地址已有账户。请登录，或申请密码链接。
err-current-password-wrong = 当前密码不正确。
err-last-admin = 不能撤销最后一位基金管理员的角色。
err-login-refused = 邮箱地址或密码不正确。
err-login-locked = 尝试失败次数过多，请于 { $until } 后再试。

## Messages after an action
flash-registered = 账户已创建。我们已发送确认邮箱地址的链接；您现在可以登录。
flash-logged-out = 您已退出登录。
flash-password-reset = 密码已修改，所有登录会话已结束。请用新密码登录。
flash-profile-saved = 个人资料已保存。
flash-password-changed = 密码已修改，您在其他设备的登录已结束。
flash-verification-sent = 我们已发送新的确认链接。
flash-roles-saved = 角色已保存。
flash-last-admin = 不能撤销最后一位基金管理员的角色。
flash-email-requeued = 邮件已重新排队发送。
flash-email-not-failed = 该邮件并非发送失败，未做任何变更。

## Error pages
error-code = 错误代码
error-400-title = 无法读取请求
error-400-body = 请求内容无法理解，请返回重试。
error-403-title = 不允许
error-403-body = 您无权进行此操作。
error-csrf-title = 表单已失效
error-csrf-body = 为保障您的安全，表单未被接受。请返回、刷新页面后再提交。未做任何变更。
error-404-title = 找不到页面
error-404-body = 此地址没有页面，或您无权查看。
error-413-title = 内容过大
error-413-body = 您提交的内容超出上限，未做任何变更。
error-500-title = 出现错误
error-500-body = 未能完成您的请求，未做任何变更；请稍后再试。
error-503-title = 暂时无法使用
error-503-body = 服务繁忙或正在维护，请稍后再试。

## Emails
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
