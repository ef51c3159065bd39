; Indents for Zed: inside any pair of brackets, one level in.
(_ "{" "}" @end) @indent
(_ "[" "]" @end) @indent
(_ "(" ")" @end) @indent
