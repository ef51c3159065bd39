; The outline panel for Zed: the declarations of a flow, with stages'
; handlers and test names.
(flow_declaration "flow" @context name: (identifier) @name) @item
(event_declaration "event" @context name: (identifier) @name) @item
(action_declaration "action" @context name: (identifier) @name) @item
(calendar_declaration "calendar" @context name: (identifier) @name) @item
(var_declaration "var" @context name: (identifier) @name) @item
(segment_declaration "segment" @context name: (identifier) @name) @item
(template_declaration "template" @context name: (identifier) @name) @item
(stage_declaration "stage" @context name: (identifier) @name) @item
(handler "on" @context event: (identifier) @name) @item
(test_declaration "test" @context title: (string) @name) @item
(account_declaration "account" @name) @item
(policy_declaration "policy" @name) @item
(import_declaration "import" @context path: (string) @name) @item
