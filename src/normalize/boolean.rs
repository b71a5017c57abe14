//! Booleans → `true` / `false` from `yes/no`, `y/n`, `true/false`, `t/f`,
//! `1/0`, `on/off`, `x` (ticked), `ja/nein`, `oui/non`, `sim/não`, `sí/no`,
//! `是/否`, `有/无`, `对/错`. Anything else is rejected.

pub fn normalize(raw: &str) -> Result<&'static str, &'static str> {
    let lower = raw.trim().to_lowercase();
    match lower.as_str() {
        "true" | "t" | "yes" | "y" | "1" | "on" | "x" | "✓" | "✔" | "ja" | "j" | "oui" | "sim"
        | "sí" | "si" | "是" | "有" | "对" | "真" | "checked" | "-1" => Ok("true"),
        "false" | "f" | "no" | "n" | "0" | "off" | "nein" | "non" | "não" | "nao" | "否" | "无"
        | "错" | "假" | "unchecked" => Ok("false"),
        _ => Err("not a yes/no value"),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn many_spellings() {
        for v in [
            "yes", "YES", "Y", "true", "TRUE", "1", "on", "x", "是", "ja", "Oui", "sim", " yes ",
        ] {
            assert_eq!(normalize(v), Ok("true"), "{v}");
        }
        for v in ["no", "N", "false", "0", "off", "否", "nein", "non", "não"] {
            assert_eq!(normalize(v), Ok("false"), "{v}");
        }
        for v in ["maybe", "2", "", "yess"] {
            assert!(normalize(v).is_err(), "{v}");
        }
    }
}
