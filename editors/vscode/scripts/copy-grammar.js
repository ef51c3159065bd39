// The grammar's one source is grammar/dun.tmLanguage.json at the root of
// the repository; the packaged extension needs its own copy.
const fs = require("fs");
const path = require("path");
const from = path.join(__dirname, "..", "..", "..", "grammar", "dun.tmLanguage.json");
const to = path.join(__dirname, "..", "syntaxes", "dun.tmLanguage.json");
fs.mkdirSync(path.dirname(to), { recursive: true });
JSON.parse(fs.readFileSync(from, "utf8")); // refuse to package a broken grammar
fs.copyFileSync(from, to);
console.log(`copied ${from} -> ${to}`);
