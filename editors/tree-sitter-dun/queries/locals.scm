; Locals for dun: a flow is one scope, and every name is declared at its
; top level (stages, events, templates, actions, variables, segments,
; calendars), so a use anywhere refers to the declaration of that name.
(source_file) @local.scope

(stage_declaration name: (identifier) @local.definition.type)
(event_declaration name: (identifier) @local.definition.constant)
(template_declaration name: (identifier) @local.definition.function)
(action_declaration name: (identifier) @local.definition.function)
(var_declaration name: (identifier) @local.definition.var)
(segment_declaration name: (identifier) @local.definition.var)
(calendar_declaration name: (identifier) @local.definition.namespace)

(identifier) @local.reference
