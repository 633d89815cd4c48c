funds-title = Funds
funds-new = New fund
funds-create = Create fund
calls-title = Grant calls
calls-open = Open for applications
calls-upcoming = Opening soon
calls-closed = Closed
calls-none = None at the moment.
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
call-opens-in-hours = { $n ->
    [one] Opens in 1 hour.
   *[other] Opens in { $n } hours.
}
call-opens-in-minutes = { $n ->
    [one] Opens in 1 minute.
   *[other] Opens in { $n } minutes.
}
call-closes-in-hours = { $n ->
    [one] Closes in 1 hour.
   *[other] Closes in { $n } hours.
}
call-closes-in-minutes = { $n ->
    [one] Closes in 1 minute.
   *[other] Closes in { $n } minutes.
}
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
apply-as = Apply as lead organization
apply-title = Apply
apply-sign-in = Sign in to apply for your organization.
apply-register = No account yet? Register
apply-no-organization = Applications are made by organizations: register yours, and once the fund has verified it you can apply.
apply-register-organization = Register an organization
apply-cannot-lead = { $org } cannot lead an application to this call:
apply-joint = This call needs a joint team: a mainland organization and one from Hong Kong or Macau. You invite the partners from your draft.
apply-start = Start an application
call-section-review = Review
call-component-n = Component { $n }
grants-lead = Every published award, also as open data in the 360Giving Data Standard:
grants-grantee = Grantee
grants-programme = Programme
calls-more-closed = Earlier closed calls
