; Indents for dun in Helix: the contents of every braced body, list and
; parenthesis sit one level in; a line that starts with the closing
; bracket goes back out.
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
] @indent

[
  "}"
  "]"
  ")"
] @outdent
