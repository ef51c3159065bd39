; Indents for dun (nvim-treesitter's captures): the contents of every
; braced body, list and parenthesis sit one level in, and the closing
; bracket goes back to the opening line's level.
[
  (stage_body)
  (block)
  (field_list)
  (field_values)
  (calendar_declaration)
  (policy_declaration)
  (template_email)
  (template_languages)
  (test_declaration)
  (migrate_declaration)
  (split_step)
  (list)
  (parenthesized_expression)
] @indent.begin

[
  "}"
  "]"
  ")"
] @indent.branch

[
  "}"
  "]"
  ")"
] @indent.end

; A template's text keeps the indentation its author gave it.
(string) @indent.ignore

(comment) @indent.auto
