; Highlights for dun in Helix: queries/highlights.scm with Helix's capture
; names (the agreement test checks that the two differ in nothing else).
; Copy it to ~/.config/helix/runtime/queries/dun/highlights.scm.

[
  "=="
  "!="
  "<"
  "<="
  ">"
  ">="
  "+"
  "-"
  "*"
  "/"
  "="
] @operator

"->" @punctuation.special
(type "?" @punctuation.special)

[
  ":"
  ","
  "."
  "|"
] @punctuation.delimiter

[
  "{"
  "}"
  "["
  "]"
  "("
  ")"
] @punctuation.bracket

(comment) @comment

((comment) @comment.line.documentation
  (#match? @comment.line.documentation "^##"))

[
  "flow"
  "version"
  "currency"
  "event"
  "action"
  "calendar"
  "weekend"
  "holiday"
  "holidays"
  "policy"
  "contact_hours"
  "to"
  "no_contact"
  "on"
  "of"
  "at_most"
  "per"
  "pause"
  "for"
  "after"
  "stop"
  "when"
  "var"
  "segment"
  "template"
  "file"
  "subject"
  "body"
  "start"
  "stage"
  "send"
  "call"
  "queue"
  "priority"
  "wait"
  "until"
  "split"
  "set"
  "assign"
  "agency"
  "offer"
  "discount"
  "plan"
  "installments"
  "every"
  "alert"
  "emit"
  "test"
  "given"
  "at"
  "receive"
  "update"
  "expect"
  "sent"
  "no"
  "assigned"
  "emitted"
  "migrate"
  "from"
  "contact"
  "reenter"
  "locale"
  "language"
  "fallback"
  "approved"
  "most"
  "charge"
  "fee"
  "fees"
  "interest"
  "freeze"
  "resume"
  "charged"
  "frozen"
  "arm"
  "payments"
  "promise"
  "by"
  "grace"
  "while"
  "open"
  "person"
  "recalled"
  "import"
  "up"
  "installment"
  "missed"
  "current"
  "settlement"
  "paid"
  "full"
] @keyword

(account_declaration "account" @keyword)
(given "account" @keyword)
(update "account" @keyword)
(on_day "day" @keyword)
(contact_hours_rule "in" @keyword)
(test_start "in" @keyword)
(plan_step "in" @keyword)
(paid_in_full_by "in" @keyword)

[
  "if"
  "else"
] @keyword.control.conditional

[
  "repeat"
  "times"
] @keyword.control.repeat

[
  "goto"
  "end"
] @keyword.control.return

[
  "and"
  "or"
  "not"
  "is"
] @keyword.operator

(in_expression "in" @keyword.operator)
(is_set_expression "set" @keyword.operator)

(identifier) @variable

(flow_declaration name: (identifier) @namespace)

(stage_declaration name: (identifier) @type)
(start_declaration stage: (identifier) @type)
(handler target: (identifier) @type)
(goto_step target: (identifier) @type)
(split_arm target: (identifier) @type)
(deadline target: (identifier) @type)
(migrate_move from: (identifier) @type)
(migrate_move to: (identifier) @type)
(expect_stage stage: (identifier) @type)
(given_arm stage: (identifier) @type)

(template_declaration name: (identifier) @function)
(send_step template: (identifier) @function)
(expect_sent template: (identifier) @function)
(action_declaration name: (identifier) @function)
(emit_step action: (identifier) @function)
(expect_emitted action: (identifier) @function)

(event_declaration name: (identifier) @constant)
(handler event: (identifier) @constant)
(pause_rule event: (identifier) @constant)
(stop_rule event: (identifier) @constant)
(hold_rule event: (identifier) @constant)
(hold_rule release: (identifier) @constant)
(receive event: (identifier) @constant)
(payments_declaration event: (identifier) @constant)

(calendar_declaration name: (identifier) @namespace)
(holidays_of calendar: (identifier) @namespace)
(duration calendar: (identifier) @namespace)
(call_step queue: (identifier) @namespace)
(assign_queue_step queue: (identifier) @namespace)
(expect_call queue: (identifier) @namespace)
(expect_assigned_queue queue: (identifier) @namespace)
(alert_step team: (identifier) @namespace)
(expect_alert team: (identifier) @namespace)
(end_step outcome: (identifier) @namespace)
(expect_end outcome: (identifier) @namespace)

(field_declaration name: (identifier) @variable.other.member)
(field_value name: (identifier) @variable.other.member)
(field_access field: (identifier) @variable.other.member)
(send_target field: (identifier) @variable.other.member)
(payments_declaration field: (identifier) @variable.other.member)
(field_access object: _ @variable.builtin)
(send_target "account" @variable.builtin)

(var_declaration name: (identifier) @variable)
(segment_declaration name: (identifier) @variable)
(set_step variable: (identifier) @variable)
(migrate_var variable: (identifier) @variable)
(expect_variable variable: (identifier) @variable)

(type_identifier) @type.builtin
(variant) @constant
(expect_promise state: (identifier) @constant)
(expect_plan state: (identifier) @constant)
(expect_settlement state: (identifier) @constant)
(channel) @constant.builtin
(weekday) @constant.builtin
(week_day) @constant.builtin
(priority) @constant.builtin
(duration_unit) @constant.builtin
(currency_code) @constant.builtin

(string) @string
(escape_sequence) @constant.character.escape
(placeholder
  "{" @punctuation.special
  "}" @punctuation.special)

[
  (integer)
  (number)
] @constant.numeric

(percentage) @constant.numeric

[
  (date)
  (time)
] @string.special

(boolean) @constant.builtin.boolean

[
  (today)
  (now)
] @constant.builtin
