## Layout
app-name = Baygrants
skip-to-content = Skip to content
nav-label = Main navigation
nav-home = Home
nav-admin-users = Users
nav-admin-emails = Emails
nav-admin-audit = Audit trail
nav-account = My account
nav-logout = Log out
nav-login = Log in
nav-register = Register
lang-switch-label = Language
notice-unverified = Please confirm your email address: we sent you a link.
notice-resend = Send the link again
footer-text = Baygrants — venture philanthropy for the Guangdong–Hong Kong–Macau Greater Bay Area. Times are Bay Area time (UTC+8).
form-has-errors = Please correct the fields marked below.
save = Save
search = Search
yes = Yes
no = No
next-page = Next page

## Home
home-title = Grants for social organizations across the Bay Area
home-lead = Funders publish grant calls, organizations from Guangdong, Hong Kong and Macau apply together, panels review online, and every disbursement is traceable.
home-welcome = Welcome, { $name }.

## Fields
field-name = Name
field-email = Email address
field-password = Password
field-password-new = New password
field-password-confirm = Confirm the password
field-password-current = Current password
field-lang = Language
hint-password = At least 10 characters.

## Registration and login
register-title = Create an account
register-submit = Create account
register-have-account = Already have an account?
login-title = Log in
login-submit = Log in
login-forgot = Forgotten your password?
forgot-title = Forgotten password
forgot-lead = Enter your email address and we will send you a link to choose a new password.
forgot-submit = Send the link
forgot-sent-title = Check your email
forgot-sent-body = If an account uses that address, a link to choose a new password is on its way. It works once, for one hour.
reset-title = Choose a new password
reset-submit = Set the new password
reset-invalid-title = This link no longer works
reset-invalid-body = Password links work once and for one hour. Ask for a new one from the login page.
verify-done-title = Email address confirmed
verify-done-body = Thank you. Your email address is confirmed.
verify-already-title = Already confirmed
verify-already-body = This email address was confirmed before. You can log in.
verify-invalid-title = This link no longer works
verify-invalid-body = The confirmation link is unknown or has expired. Log in and ask for a new one.

## Account
account-title = My account
account-profile = Profile
account-password = Password
account-change-password = Change password

## Roles
role-admin = Fund administrator
role-finance = Finance officer

## Administration
admin-users-title = Users and roles
admin-users-search = Search by name or email
admin-users-verified = Email confirmed
admin-users-roles = Roles
admin-users-grant = (grant)
admin-users-revoke = (revoke)
admin-emails-title = Email delivery
admin-emails-pending = Emails waiting to be sent: { $count }
admin-emails-none = No email has failed.
admin-emails-recipient = Recipient
admin-emails-subject = Subject
admin-emails-status = Status
admin-emails-attempts = Attempts
admin-emails-error = Last error
admin-emails-failed = Failed
admin-emails-retrying = Retrying at { $at }
admin-emails-retry = Retry
admin-audit-title = Audit trail
admin-audit-all = Show all events
admin-audit-when = When
admin-audit-who = Who
admin-audit-action = Action
admin-audit-entity = Record
admin-audit-change = Before → after
admin-audit-from = From
admin-audit-system = System

## Validation
err-required = This field is required.
err-email-too-long = The email address is too long (at most 254 characters).
err-email-invalid = This is not a valid email address, e.g. name@example.org.
err-name-too-long = The name is too long (at most 100 characters).
err-name-invalid = The name contains characters that cannot be used.
err-password-too-short = The password is too short: use at least 10 characters.
err-password-too-long = The password is too long: use at most 128 characters.
err-password-mismatch = The two passwords do not match.
err-lang-unknown = Choose one of the languages offered.
err-email-taken = An account already uses this email address. Log in, or ask for a password link.
err-current-password-wrong = The current password is not correct.
err-last-admin = The last fund administrator cannot lose the role.
err-login-refused = The email address or password is not correct.
err-login-locked = Too many failed attempts. Try again after { $until }.

## Messages after an action
flash-registered = Account created. We sent you an email with a link to confirm your address; you can log in now.
flash-logged-out = You have logged out.
flash-password-reset = Your password is changed and every session was ended. Log in with the new password.
flash-profile-saved = Your profile is saved.
flash-password-changed = Your password is changed. Your other sessions were ended.
flash-verification-sent = We sent a new confirmation link.
flash-roles-saved = Roles saved.
flash-last-admin = The last fund administrator cannot lose the role.
flash-email-requeued = The email is queued again.
flash-email-not-failed = That email is not failed; nothing was changed.

## Error pages
error-code = Error code
error-400-title = The request could not be read
error-400-body = Something in the request was not understood. Go back and try again.
error-403-title = Not allowed
error-403-body = You may not do this.
error-csrf-title = The form has expired
error-csrf-body = For your security the form could not be accepted. Go back, reload the page and send it again. Nothing was changed.
error-404-title = Page not found
error-404-body = There is no page at this address, or you may not see it.
error-413-title = Too large
error-413-body = What you sent is larger than we accept. Nothing was changed.
error-500-title = Something went wrong
error-500-body = We could not complete your request. Nothing was changed; please try again in a moment.
error-503-title = Temporarily unavailable
error-503-body = The service is busy or under maintenance. Please try again in a moment.

## Emails
email-footer = Baygrants · Guangdong–Hong Kong–Macau Greater Bay Area venture philanthropy. You receive this email because of your account on Baygrants.
email-verify-email-subject = Confirm your email address for Baygrants
email-verify-email-p1 = Dear { $name },
email-verify-email-p2 = Thank you for registering with Baygrants. Please confirm your email address with the link below. It is valid for 48 hours.
email-verify-email-p3 = If you did not register, ignore this email.
email-verify-email-action = Confirm my email address
email-password-reset-subject = Choose a new Baygrants password
email-password-reset-p1 = Dear { $name },
email-password-reset-p2 = Someone asked to reset the password of your Baygrants account. The link below works once, for one hour.
email-password-reset-p3 = If it was not you, ignore this email: your password stays the same.
email-password-reset-action = Choose a new password

## Navigation (organizations and calls)
nav-calls = Grant calls
nav-my-orgs = My organizations
nav-directory = Directory
nav-admin-verifications = Verifications
nav-admin-calls = Manage calls
nav-admin-funds = Funds
nav-admin-focus = Key areas
choose = Choose…
any = Any

## Places and kinds of organization
jurisdiction-mainland = Mainland
jurisdiction-hong_kong = Hong Kong
jurisdiction-macau = Macau
city-guangzhou = Guangzhou
city-shenzhen = Shenzhen
city-zhuhai = Zhuhai
city-foshan = Foshan
city-huizhou = Huizhou
city-dongguan = Dongguan
city-zhongshan = Zhongshan
city-jiangmen = Jiangmen
city-zhaoqing = Zhaoqing
orgtype-social_group = Social group (mainland)
orgtype-social_service_agency = Social service agency (mainland)
orgtype-foundation = Foundation (mainland)
orgtype-overseas_ngo_office = Representative office of an overseas NGO (mainland)
orgtype-hk_charity = Charity exempt under s.88 IRO (Hong Kong)
orgtype-hk_company_limited_by_guarantee = Company limited by guarantee (Hong Kong)
orgtype-hk_society = Society (Hong Kong)
orgtype-macau_association = Registered association (Macau)
verification-pending = Awaiting verification
verification-verified = Verified
verification-returned = Returned for correction
member-role-owner = Owner
member-role-member = Member
badge-verified = Verified
badge-whitelisted = Cross-border whitelist
badge-debarred = Debarred until { $until }

## Organization fields
field-name-zh = Name in Chinese
field-name-en = Name in English
field-name-hant = Name in Traditional Chinese
field-name-hans = Name in Simplified Chinese
field-org-type = Type of organization
field-city = City
field-city-mainland = City (mainland organizations)
field-place = Registered in
field-registration = Registration number
hint-registration = Mainland: the 18-character Unified Social Credit Code. Hong Kong and Macau: the number on your registration.
field-founded = Founded on
field-focus = Focus areas
field-address = Address
field-website = Website
field-contact-email = Contact email
field-code = Code
field-verification-note = Note to the organization (required when returning)
field-debarred-until = Debarred until
field-debarment-reason = Reason
hint-debarment = Leave the date empty to lift a debarment.

## Organizations
directory-title = Directory of social organizations
directory-search = Name (Chinese or English)
directory-verified-only = Verified only
directory-none = No organization matches.
mine-title = My organizations
mine-none = You do not belong to any organization yet.
org-create = Register an organization
org-edit-title = Edit the organization
org-contacts-login = Log in to see contact details.
org-returned-notice = The verification was returned:
org-admin-panel = Verification (administrators)
org-approve = Verify
org-return = Return for correction
org-whitelist-add = Add to the cross-border whitelist
org-whitelist-remove = Remove from the whitelist
org-debar = Save debarment
members-title = Members
members-role = Role
members-actions = Actions
members-make-owner = Make owner
members-make-member = Make member
members-remove = Remove
members-pending = Invitations waiting
members-invite = Invite a member
members-send-invitation = Send invitation
invitation-title = Invitation to join an organization
invitation-lead = You have been invited to join an organization on Baygrants.
invitation-accept = Accept the invitation
verifications-title = Organizations awaiting verification
verifications-none = No organization is waiting.

## Funds and key areas
funds-title = Funds
funds-new = New fund
funds-create = Create fund
field-sponsors = Sponsors
field-currency = Currency
focus-title = Key-area catalogue
focus-new = New key area
focus-active = In use
focus-retire = Retire
focus-restore = Restore

## Calls
calls-title = Grant calls
calls-open = Open for applications
calls-upcoming = Opening soon
calls-closed = Closed
calls-none = None at the moment.
admin-calls-title = Manage calls
call-new = New call
call-edit-title = Edit the call
call-state = State
call-state-draft = Draft
call-state-published = Published
call-state-in_review = In review
call-state-decided = Decided
call-state-archived = Archived
call-to-published = Publish (freezes rules, rubric and rates)
call-to-in_review = Start the review
call-to-decided = Mark as decided
call-to-archived = Archive
call-phase-open = Open
call-phase-upcoming = Opening soon
call-phase-closed = Closed
call-opens-in = Opens in { $days } days { $hours } hours.
call-closes-in = Closes in { $days } days { $hours } hours.
call-closed-notice = Applications are closed.
call-admin-panel = Administration
call-request-range = Request
call-months = { $months } months
call-eligibility = Who may apply
call-section-basics = The call
call-section-rules = Eligibility rules
call-section-rates = Exchange rates to the fund's currency
call-section-rubric = Scoring rubric
call-criterion-n = Criterion { $n }
hint-bay-area-time = Dates and times are Bay Area time (UTC+8).
hint-rates = How much one unit of each currency is worth in the fund's currency. The fund's own currency is always 1.
hint-rubric = Fill in one row per criterion; weights must add up to 100. Empty rows are ignored.
field-title = Title
field-title-zh = Title in Chinese
field-title-en = Title in English
field-description-zh = Description in Chinese
field-description-en = Description in English
field-fund = Fund
field-opens = Opens
field-closes = Closes
field-budget = Budget of the call
field-min-request = Smallest request
field-max-request = Largest request
field-max-duration = Longest project (months)
field-rule-joint = A joint application is required (at least one mainland and one Hong Kong or Macau organization)
field-rule-lead = Who may lead (none ticked: anyone)
field-rule-verified = Organizations must be verified
field-rule-whitelist = Hong Kong and Macau partners must be on the whitelist
field-rule-registered = Registered at least this many months before closing
field-rule-matching = Matching funds at least (% of the total budget)
field-rule-overhead = Administration at most (% of the grant request)
field-rule-max-applications = At most this many applications led by one organization
field-rule-no-debarred = Debarred organizations may not take part
field-rule-declaration = The lead declares no serious violation in the past three years
field-anonymise = Show reviewers' comments to applicants without names
field-rate-cny = 1 CNY =
field-rate-hkd = 1 HKD =
field-rate-mop = 1 MOP =
field-criterion = Criterion
field-guidance = Guidance
field-guidance-zh = Guidance in Chinese
field-guidance-en = Guidance in English
field-weight = Weight
field-max-score = Maximum score
rule-joint = A joint application: the lead and its partners include at least one mainland organization and at least one from Hong Kong or Macau.
rule-lead = The lead organization is registered in: { $places }.
rule-verified = Every organization on the application is verified by the fund.
rule-whitelist = Hong Kong and Macau partners are on the cross-border whitelist.
rule-registered = The lead was registered at least { $months } months before the closing date.
rule-matching = Matching funds are at least { $percent }% of the total project budget.
rule-overhead = Administration costs are at most { $percent }% of the grant request.
rule-max-applications = An organization may lead at most { $count } applications to this call.
rule-no-debarred = No organization on the application is debarred.
rule-declaration = The lead declares that it has committed no serious violation in the past three years.
rule-none = Any organization may apply.

## Validation (organizations and calls)
err-too-long = This is too long.
err-text-invalid = This contains characters that cannot be used.
err-choice-unknown = Choose one of the options offered.
err-city-required = Choose the city where a mainland organization is registered.
err-uscc-length = A Unified Social Credit Code has 18 characters.
err-uscc-charset = The code may only contain digits and the letters A–H, J–N, P–R, T, U, W, X, Y (no I, O, S, V or Z).
err-uscc-check = The last character (the check character) does not match: a character is probably mistyped or two are swapped.
err-uscc-department = The first character must be 5: the code of an organization registered with civil affairs.
err-uscc-type = The second character does not match the type of organization (1 social group, 2 social service agency, 3 foundation, 9 other).
err-uscc-region = The region code (characters 3–8) is not in the chosen city, nor 440000 (Guangdong province) or 100000 (national).
err-regno-hk-shape = A Hong Kong registration number has 4 to 20 letters, digits, / or -, with at least 4 digits (e.g. 91/12345).
err-regno-macau-shape = A Macau registration number is digits, optionally followed by / and the year (e.g. 1234/2015).
err-regno-taken = An organization with this registration number is already registered.
err-date-invalid = This is not a valid date.
err-date-future = This date is in the future.
err-date-not-future = The date must be in the future.
err-website-invalid = Enter a full web address starting with http:// or https://.
err-focus-required = Choose at least one focus area.
err-focus-unknown = Choose focus areas from the catalogue.
err-email-unverified = Confirm your email address before registering an organization.
err-already-member = This person is already a member.
err-last-owner = An organization must keep at least one owner.
err-invitation-invalid = This invitation is unknown, expired, or already used.
err-invitation-other-email = This invitation was sent to another email address. Log in with that address to accept it.
err-reason-required = Give a reason.
err-whitelist-not-eligible = Only verified Hong Kong and Macau organizations can be put on the whitelist.
err-code-invalid = Use 2 to 40 lower-case letters, digits or _, starting with a letter.
err-code-taken = This code is already in the catalogue.
err-amount-negative = The amount cannot be negative.
err-amount-invalid = Enter an amount such as 12,345.60.
err-amount-cents = Use at most two decimals.
err-amount-too-large = The amount is too large.
err-amount-zero = The amount must be more than zero.
err-number-invalid = Enter a whole number in the allowed range.
err-percent-invalid = Enter a percentage from 0 to 100.
err-rate-invalid = Enter a positive rate such as 0.92 (at most six decimals).
err-rate-zero = A rate cannot be zero.
err-datetime-invalid = Enter a date and time such as 2026-12-01 09:00.
err-closes-before-opens = The closing time must be after the opening time.
err-min-above-max = The smallest request cannot be above the largest.
err-max-above-budget = The largest request cannot be above the call's budget.
err-rubric-empty = Add at least one criterion.
err-rubric-weights = The weights of the criteria must add up to 100.
err-criterion-names = Give the criterion a name in Chinese and in English.
err-criterion-weight = The weight must be a whole number from 1 to 100.
err-criterion-max = The maximum score must be a whole number from 1 to 100.
err-call-frozen = This call is published: its rules, rubric and rates can no longer be changed.
err-call-transition = The call cannot move to that state from where it is now.
err-publish-after-closing = The closing time has passed: change it before publishing.
error-409-title = Not possible now

## Messages after an action (organizations and calls)
flash-org-created = The organization is registered and awaits verification by the fund.
flash-org-saved = Saved.
flash-invitation-sent = The invitation is on its way.
flash-members-saved = Members saved.
flash-joined = You have joined the organization.
flash-verification-decided = Decision saved; the owners are told by email.
flash-fund-created = Fund created.
flash-catalogue-saved = Catalogue saved.
flash-call-saved = Call saved.
flash-call-state = The call's state has changed.

## Emails (organizations)
email-member-invitation-subject = Invitation to join { $organization } on Baygrants
email-member-invitation-p1 = { $inviter } invites you to join { $organization } on Baygrants.
email-member-invitation-p2 = Open the link to accept. If you have no account yet, register with this email address first. The invitation is valid for 14 days.
email-member-invitation-action = Accept the invitation
email-organization-verified-subject = { $organization } is verified
email-organization-verified-p1 = The fund has verified { $organization }. It can now lead and join applications.
email-organization-verified-p2 = Note: { $note }
email-organization-verified-action = Open the organization
email-organization-returned-subject = { $organization }: verification returned
email-organization-returned-p1 = The fund returned the verification of { $organization } for correction.
email-organization-returned-p2 = Reason: { $reason }
email-organization-returned-p3 = Correct the details and save them; the organization then returns to the queue.
email-organization-returned-action = Open the organization
