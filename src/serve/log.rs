//! Structured logs: one JSON object a line on standard error, with the
//! moment, the level and the message; never a token or a request body.

fn line(level: &str, msg: &str, fields: serde_json::Value) {
    let mut obj = serde_json::Map::new();
    obj.insert(
        "ts".into(),
        chrono::Utc::now()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            .into(),
    );
    obj.insert("level".into(), level.into());
    obj.insert("msg".into(), msg.into());
    if let serde_json::Value::Object(f) = fields {
        obj.extend(f);
    }
    eprintln!("{}", serde_json::Value::Object(obj));
}

pub fn info(msg: &str, fields: serde_json::Value) {
    line("info", msg, fields)
}

pub fn warn(msg: &str, fields: serde_json::Value) {
    line("warn", msg, fields)
}

pub fn error(msg: &str, fields: serde_json::Value) {
    line("error", msg, fields)
}
