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
