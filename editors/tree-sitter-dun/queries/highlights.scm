; Highlights for dun. Capture names follow nvim-treesitter's; Zed reads
; them as they are, and queries/helix/highlights.scm is this file with
; Helix's names (the agreement test keeps the two in step). Where two
; patterns capture the same node the later one wins (Neovim, Helix 25.07
; and later, Zed), so general patterns come first.
; Colours follow the language server's semantic tokens where both exist:
; stages are types, templates and actions functions, events constants,
; calendars, queues, teams and outcomes modules.

; ---------------------------------------------------------------- punctuation

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

; ---------------------------------------------------------------- comments

(comment) @comment

((comment) @comment.documentation
  (#match? @comment.documentation "^##"))

; ---------------------------------------------------------------- keywords

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
] @keyword.conditional

[
  "repeat"
  "times"
] @keyword.repeat

[
  "goto"
  "end"
] @keyword.return

[
  "and"
  "or"
  "not"
  "is"
] @keyword.operator

(in_expression "in" @keyword.operator)
(is_set_expression "set" @keyword.operator)

; ---------------------------------------------------------------- names

(identifier) @variable

(flow_declaration name: (identifier) @module)

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

(calendar_declaration name: (identifier) @module)
(holidays_of calendar: (identifier) @module)
(duration calendar: (identifier) @module)
(call_step queue: (identifier) @module)
(assign_queue_step queue: (identifier) @module)
(expect_call queue: (identifier) @module)
(expect_assigned_queue queue: (identifier) @module)
(alert_step team: (identifier) @module)
(expect_alert team: (identifier) @module)
(end_step outcome: (identifier) @module)
(expect_end outcome: (identifier) @module)

(field_declaration name: (identifier) @property)
(field_value name: (identifier) @property)
(field_access field: (identifier) @property)
(send_target field: (identifier) @property)
(payments_declaration field: (identifier) @property)
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

; ---------------------------------------------------------------- literals

(string) @string
(escape_sequence) @string.escape
(placeholder
  "{" @punctuation.special
  "}" @punctuation.special)

[
  (integer)
  (number)
] @number

(percentage) @number

[
  (date)
  (time)
] @string.special

(boolean) @boolean

[
  (today)
  (now)
] @constant.builtin
