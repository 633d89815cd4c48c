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

## Navigation (organizations and calls)
nav-calls = 资助计划征集
nav-my-orgs = 我的机构
nav-directory = 机构名录
nav-admin-verifications = 机构审核
nav-admin-calls = 管理征集
nav-admin-funds = 基金
nav-admin-focus = 重点领域
choose = 请选择…
any = 不限

## Places and kinds of organization
jurisdiction-mainland = 内地
jurisdiction-hong_kong = 香港
jurisdiction-macau = 澳门
city-guangzhou = 广州
city-shenzhen = 深圳
city-zhuhai = 珠海
city-foshan = 佛山
city-huizhou = 惠州
city-dongguan = 东莞
city-zhongshan = 中山
city-jiangmen = 江门
city-zhaoqing = 肇庆
orgtype-social_group = 社会团体（内地）
orgtype-social_service_agency = 民办非企业单位／社会服务机构（内地）
orgtype-foundation = 基金会（内地）
orgtype-overseas_ngo_office = 境外非政府组织代表机构（内地）
orgtype-hk_charity = 根据《税务条例》第88条获豁免缴税的慈善机构（香港）
orgtype-hk_company_limited_by_guarantee = 担保有限公司（香港）
orgtype-hk_society = 社团（香港）
orgtype-macau_association = 已登记社团（澳门）
verification-pending = 等待审核
verification-verified = 已审核
verification-returned = 已退回修正
member-role-owner = 负责人
member-role-member = 成员
badge-verified = 已审核
badge-whitelisted = 跨境白名单
badge-debarred = 禁止参与至 { $until }

## Organization fields
field-name-zh = 中文名称
field-name-en = 英文名称
field-name-hant = 繁体中文名称
field-name-hans = 简体中文名称
field-org-type = 机构类型
field-city = 城市
field-city-mainland = 城市（内地机构）
field-place = 登记地
field-registration = 登记号码
hint-registration = 内地机构：18位统一社会信用代码。香港及澳门机构：登记证明上的号码。
field-founded = 成立日期
field-focus = 服务领域
field-address = 地址
field-website = 网站
field-contact-email = 联系邮箱
field-code = 代码
field-verification-note = 给机构的说明（退回时必须填写）
field-debarred-until = 禁止参与至
field-debarment-reason = 原因
hint-debarment = 日期留空即解除禁止。

## Organizations
directory-title = 社会组织名录
directory-search = 名称（中文或英文）
directory-verified-only = 只显示已审核
directory-none = 没有符合的机构。
mine-title = 我的机构
mine-none = 您尚未加入任何机构。
org-create = 登记机构
org-edit-title = 编辑机构资料
org-contacts-login = 登录后可查看联系信息。
org-returned-notice = 审核已退回：
org-admin-panel = 机构审核（管理员）
org-approve = 审核通过
org-return = 退回修正
org-whitelist-add = 加入跨境白名单
org-whitelist-remove = 移出白名单
org-debar = 保存禁止参与
members-title = 成员
members-role = 角色
members-actions = 操作
members-make-owner = 设为负责人
members-make-member = 设为成员
members-remove = 移除
members-pending = 等待回复的邀请
members-invite = 邀请成员
members-send-invitation = 发送邀请
invitation-title = 加入机构的邀请
invitation-lead = 您受邀加入 Baygrants 上的一个机构。
invitation-accept = 接受邀请
verifications-title = 等待审核的机构
verifications-none = 没有等待审核的机构。

## Funds and key areas
funds-title = 基金
funds-new = 新增基金
funds-create = 创建基金
field-sponsors = 出资方
field-currency = 货币
focus-title = 重点领域准入目录
focus-new = 新增重点领域
focus-active = 使用中
focus-retire = 停用
focus-restore = 恢复

## Calls
calls-title = 资助计划征集
calls-open = 接受申请中
calls-upcoming = 即将开始
calls-closed = 已截止
calls-none = 暂时没有。
admin-calls-title = 管理征集
call-new = 新增征集
call-edit-title = 编辑征集
call-state = 状态
call-state-draft = 草稿
call-state-published = 已发布
call-state-in_review = 评审中
call-state-decided = 已决定
call-state-archived = 已归档
call-to-published = 发布（冻结规则、评分标准及汇率）
call-to-in_review = 开始评审
call-to-decided = 标记为已决定
call-to-archived = 归档
call-phase-open = 接受申请中
call-phase-upcoming = 即将开始
call-phase-closed = 已截止
call-opens-in = { $days } 天 { $hours } 小时后开始接受申请。
call-closes-in = { $days } 天 { $hours } 小时后截止。
call-closed-notice = 申请已截止。
call-admin-panel = 管理
call-request-range = 申请金额
call-months = { $months } 个月
call-eligibility = 申请资格
call-section-basics = 征集内容
call-section-rules = 申请资格规则
call-section-rates = 兑基金货币的汇率
call-section-rubric = 评分标准
call-criterion-n = 评分项目 { $n }
hint-bay-area-time = 日期及时间均为湾区时间（UTC+8）。
hint-rates = 每一单位货币折合基金货币的金额。基金本身的货币固定为 1。
hint-rubric = 每行一个评分项目；权重合计必须为 100。空行不计。
field-title = 标题
field-title-zh = 中文标题
field-title-en = 英文标题
field-description-zh = 中文说明
field-description-en = 英文说明
field-fund = 基金
field-opens = 开始
field-closes = 截止
field-budget = 征集预算
field-min-request = 最低申请额
field-max-request = 最高申请额
field-max-duration = 项目最长期限（月）
field-rule-joint = 必须联合申请（至少一个内地机构及一个香港或澳门机构）
field-rule-lead = 可牵头的登记地（不选即不限）
field-rule-verified = 机构必须已审核
field-rule-whitelist = 香港及澳门合作机构必须在白名单内
field-rule-registered = 截止前至少登记满的月数
field-rule-matching = 配套资金至少占项目总预算（%）
field-rule-overhead = 行政费用最多占申请资助额（%）
field-rule-max-applications = 每个机构最多牵头的申请数
field-rule-no-debarred = 被禁止参与的机构不得参与
field-rule-declaration = 牵头机构须声明过去三年没有严重违规
field-anonymise = 以匿名方式向申请人展示评审意见
field-rate-cny = 1 人民币 =
field-rate-hkd = 1 港元 =
field-rate-mop = 1 澳门元 =
field-criterion = 评分项目
field-guidance = 评分指引
field-guidance-zh = 中文评分指引
field-guidance-en = 英文评分指引
field-weight = 权重
field-max-score = 最高分
rule-joint = 必须联合申请：牵头机构与合作机构之中，至少有一个内地机构及一个香港或澳门机构。
rule-lead = 牵头机构的登记地须为：{ $places }。
rule-verified = 申请中的每个机构均须经基金审核。
rule-whitelist = 香港及澳门合作机构须在跨境白名单内。
rule-registered = 牵头机构须于截止日期前至少 { $months } 个月已登记。
rule-matching = 配套资金至少占项目总预算的 { $percent }%。
rule-overhead = 行政费用最多占申请资助额的 { $percent }%。
rule-max-applications = 每个机构在本征集最多牵头 { $count } 份申请。
rule-no-debarred = 申请中没有被禁止参与的机构。
rule-declaration = 牵头机构须声明过去三年没有严重违规行为。
rule-none = 任何机构均可申请。

## Validation (organizations and calls)
err-too-long = 内容过长。
err-text-invalid = 内容包含不可使用的字符。
err-choice-unknown = 请从提供的选项中选择。
err-city-required = 请选择内地机构的登记城市。
err-uscc-length = 统一社会信用代码共 18 位。
err-uscc-charset = 代码只能包含数字及字母 A–H、J–N、P–R、T、U、W、X、Y（不含 I、O、S、V、Z）。
err-uscc-check = 最后一位校验码不符：可能有字符输入错误或两个字符位置对调。
err-uscc-department = 第一位必须是 5：即在民政部门登记的机构代码。
err-uscc-type = 第二位与机构类型不符（1 社会团体、2 社会服务机构、3 基金会、9 其他）。
err-uscc-region = 第 3 至 8 位的行政区划代码不在所选城市，也不是 440000（广东省）或 100000（全国）。
err-regno-hk-shape = 香港登记号码由 4 至 20 个字母、数字、/ 或 - 组成，至少包含 4 个数字（例如 91/12345）。
err-regno-macau-shape = 澳门登记号码为数字，可在 / 后加上年份（例如 1234/2015）。
err-regno-taken = 已有机构以此登记号码登记。
err-date-invalid = 日期不正确。
err-date-future = 此日期在未来。
err-date-not-future = 日期必须在未来。
err-website-invalid = 请输入以 http:// 或 https:// 开头的完整网址。
err-focus-required = 请至少选择一个重点领域。
err-focus-unknown = 请从目录中选择重点领域。
err-email-unverified = 登记机构前，请先确认您的邮箱地址。
err-already-member = 此人已是成员。
err-last-owner = 机构必须保留至少一位负责人。
err-invitation-invalid = 此邀请无效、已过期或已使用。
err-invitation-other-email = 此邀请发送至另一个邮箱地址。请用该地址登录后接受。
err-reason-required = 请说明原因。
err-whitelist-not-eligible = 只有已审核的香港及澳门机构可加入白名单。
err-code-invalid = 请使用 2 至 40 个小写字母、数字或 _，并以字母开头。
err-code-taken = 目录中已有此代码。
err-amount-negative = 金额不能为负数。
err-amount-invalid = 请输入金额，例如 12,345.60。
err-amount-cents = 最多两位小数。
err-amount-too-large = 金额过大。
err-amount-zero = 金额必须大于零。
err-number-invalid = 请输入允许范围内的整数。
err-percent-invalid = 请输入 0 至 100 的百分比。
err-rate-invalid = 请输入正数汇率，例如 0.92（最多六位小数）。
err-rate-zero = 汇率不能为零。
err-datetime-invalid = 请输入日期及时间，例如 2026-12-01 09:00。
err-closes-before-opens = 截止时间必须在开始时间之后。
err-min-above-max = 最低申请额不能高于最高申请额。
err-max-above-budget = 最高申请额不能高于征集预算。
err-rubric-empty = 请至少加入一个评分项目。
err-rubric-weights = 评分项目的权重合计必须为 100。
err-criterion-names = 请为评分项目填写中文及英文名称。
err-criterion-weight = 权重必须是 1 至 100 的整数。
err-criterion-max = 最高分必须是 1 至 100 的整数。
err-call-frozen = 此征集已发布：其规则、评分标准及汇率不能再更改。
err-call-transition = 征集不能从当前状态转到该状态。
err-publish-after-closing = 截止时间已过：请先修改再发布。
error-409-title = 当前无法进行

## Messages after an action (organizations and calls)
flash-org-created = 机构已登记，等待基金审核。
flash-org-saved = 已保存。
flash-invitation-sent = 邀请已发出。
flash-members-saved = 成员信息已保存。
flash-joined = 您已加入机构。
flash-verification-decided = 决定已保存，并已邮件通知负责人。
flash-fund-created = 基金已创建。
flash-catalogue-saved = 目录已保存。
flash-call-saved = 征集已保存。
flash-call-state = 征集状态已更新。

## Emails (organizations)
email-member-invitation-subject = 邀请您加入 Baygrants 上的 { $organization }
email-member-invitation-p1 = { $inviter } 邀请您加入 Baygrants 上的 { $organization }。
email-member-invitation-p2 = 请点击链接接受邀请。如您还没有账户，请先用此邮箱地址注册。邀请有效期为 14 天。
email-member-invitation-action = 接受邀请
email-organization-verified-subject = { $organization } 已通过审核
email-organization-verified-p1 = 基金已审核 { $organization }，机构现在可以牵头或参与申请。
email-organization-verified-p2 = 说明：{ $note }
email-organization-verified-action = 查看机构
email-organization-returned-subject = { $organization }：审核已退回
email-organization-returned-p1 = 基金已退回 { $organization } 的审核，请修正资料。
email-organization-returned-p2 = 原因：{ $reason }
email-organization-returned-p3 = 修正并保存资料后，机构会重新进入审核队列。
email-organization-returned-action = 查看机构
