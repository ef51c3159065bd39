; Bracket pairs for Zed.
("{" @open "}" @close)
("[" @open "]" @close)
("(" @open ")" @close)
(string "\"" @open "\"" @close)
