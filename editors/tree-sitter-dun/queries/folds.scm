; Folds for dun: every braced body, multi-line templates and lists.
[
  (stage_body)
  (block)
  (field_list)
  (field_values)
  (calendar_declaration)
  (policy_declaration)
  (template_email)
  (template_languages)
  (template_declaration)
  (test_declaration)
  (migrate_declaration)
  (split_step)
  (list)
] @fold
