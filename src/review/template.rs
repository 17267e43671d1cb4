//! CloudFormation templates as `diff` is handed them: JSON, YAML with the short-form tags of
//! the intrinsic functions (`!Ref`, `!GetAtt`, `!Sub`, …, mapped to their long forms), and the
//! `{"TemplateBody": …}` that `aws cloudformation get-template` prints — told from compose
//! files by their content. [`to_view`] is the one place a parsed template becomes the view
//! `diff` compares.

use super::view::{StackView, ViewError};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Reads `text` as a template: `None` when it is not one (a compose file), `Some(Err)` when it
/// says it is one but cannot be read.
pub fn parse(text: &str) -> Option<Result<Value, ViewError>> {
    let trimmed = text.trim_start();
    let value = if trimmed.starts_with('{') {
        serde_json::from_str::<Value>(trimmed).ok()?
    } else {
        // A cheap look first: a compose file is not parsed twice unless it names a template key.
        if !KEYS.iter().any(|k| text.contains(k)) {
            return None;
        }
        let node = parse_yaml(text)?;
        match &node {
            serde_saphyr::Tagged(Plain::Map(entries), None)
                if entries.iter().any(|(k, _)| KEYS.contains(&k.as_str())) => {}
            _ => return None,
        }
        match long_form(node) {
            Ok(value) => value,
            Err(e) => return Some(Err(e)),
        }
    };
    let root = value.as_object()?;
    match root.get("TemplateBody") {
        // `get-template` prints a JSON template as an object, a YAML one as a string.
        Some(Value::String(body)) => Some(match parse(body) {
            Some(result) => result,
            None => Err(ViewError::Shape("`TemplateBody` holds no CloudFormation template".into())),
        }),
        Some(body @ Value::Object(_)) => Some(Ok(body.clone())),
        Some(_) => Some(Err(ViewError::Shape("`TemplateBody` is neither a template nor its text".into()))),
        None if root.contains_key("AWSTemplateFormatVersion") || root.contains_key("Resources") => Some(Ok(value)),
        None => None,
    }
}

/// The top-level keys that make a file a template (or `get-template`'s output).
const KEYS: [&str; 3] = ["AWSTemplateFormatVersion", "Resources", "TemplateBody"];

/// A parsed template as the view `diff` compares. Every side of a diff passes through here, so
/// a normalization of templates made by other tools belongs in this function.
pub fn to_view(template: &Value) -> Result<StackView, ViewError> {
    StackView::from_value(template)
}

/// Reads YAML, short-form tags kept, with the parser's limits on aliases and depth; `None`
/// when it is not YAML (the compose reader then says why, with a place).
fn parse_yaml(text: &str) -> Option<Node> {
    let mut options = serde_saphyr::options! { strict_booleans: true, with_snippet: false };
    options.alias_limits.max_total_replayed_events = 250_000;
    options.alias_limits.max_replay_stack_depth = 64;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 64;
    options.budget = Some(budget);
    serde_saphyr::from_str_with_options(text, options).ok()
}

/// A YAML node with its tag, as serde-saphyr hands it over.
type Node = serde_saphyr::Tagged<Plain>;

/// A YAML value before its tag is applied.
enum Plain {
    Scalar(Value),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// The long form of a node: `!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`,
/// `!Condition C` → `{"Condition": "C"}`, and every other `!Name v` → `{"Fn::Name": v}`.
fn long_form(node: Node) -> Result<Value, ViewError> {
    let serde_saphyr::Tagged(plain, tag) = node;
    let value = match plain {
        Plain::Scalar(v) => v,
        Plain::Seq(items) => Value::Array(items.into_iter().map(long_form).collect::<Result<_, _>>()?),
        Plain::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                map.insert(k, long_form(v)?);
            }
            Value::Object(map)
        }
    };
    let Some(tag) = tag.filter(|t| !t.starts_with("tag:yaml.org,2002:")) else { return Ok(value) };
    let name = tag.strip_prefix('!').unwrap_or(&tag);
    let long = match (name, value) {
        ("Ref", v) => ("Ref".to_string(), v),
        ("Condition", v) => ("Condition".to_string(), v),
        ("GetAtt", Value::String(path)) => {
            let (resource, attribute) = path
                .split_once('.')
                .ok_or_else(|| ViewError::Shape(format!("`!GetAtt {path}`: expected RESOURCE.ATTRIBUTE")))?;
            ("Fn::GetAtt".to_string(), Value::Array(vec![resource.into(), attribute.into()]))
        }
        (name, v) if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()) => (format!("Fn::{name}"), v),
        (name, _) => return Err(ViewError::Shape(format!("the YAML tag `!{name}` is not a CloudFormation function"))),
    };
    Ok(Value::Object(Map::from_iter([long])))
}

impl<'de> Deserialize<'de> for Plain {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PlainVisitor)
    }
}

struct PlainVisitor;

impl<'de> Visitor<'de> for PlainVisitor {
    type Value = Plain;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Plain, E> {
        Ok(Plain::Scalar(Value::Null))
    }
    fn visit_none<E>(self) -> Result<Plain, E> {
        Ok(Plain::Scalar(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Plain, D::Error> {
        Plain::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Plain, E> {
        Ok(Plain::Scalar(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Plain, E> {
        Ok(Plain::Scalar(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Plain, E> {
        Ok(Plain::Scalar(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Plain, E> {
        Ok(Plain::Scalar(Number::from_f64(v).map_or_else(|| Value::String(v.to_string()), Value::Number)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Plain, E> {
        Ok(Plain::Scalar(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Plain, E> {
        Ok(Plain::Scalar(v.into()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Plain, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Plain::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Plain, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some((key, value)) = map.next_entry::<Node, Node>()? {
            let serde_saphyr::Tagged(Plain::Scalar(key), None) = key else {
                return Err(de::Error::custom("a mapping key must be a plain value"));
            };
            let key = match key {
                Value::String(s) => s,
                other => other.to_string(),
            };
            entries.push((key, value));
        }
        Ok(Plain::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const YAML: &str = "AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub '${App} balancer'
      VpcId: !Ref VpcId
      Tags:
        - Key: Name
          Value: !Join ['-', [!Ref App, !GetAtt Balancer.DNSName]]
        - Key: Zone
          Value: !If [IsProd, !Select [0, !GetAZs ''], none]
      Cond: !Condition IsProd
      Port: !!str 80
";

    #[test]
    fn short_form_tags_become_long_forms() {
        let v = parse(YAML).expect("a template").expect("readable");
        let p = &v["Resources"]["Group"]["Properties"];
        assert_eq!(p["GroupDescription"], json!({"Fn::Sub": "${App} balancer"}));
        assert_eq!(p["VpcId"], json!({"Ref": "VpcId"}));
        assert_eq!(
            p["Tags"][0]["Value"],
            json!({"Fn::Join": ["-", [{"Ref": "App"}, {"Fn::GetAtt": ["Balancer", "DNSName"]}]]})
        );
        assert_eq!(
            p["Tags"][1]["Value"],
            json!({"Fn::If": ["IsProd", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}, "none"]})
        );
        assert_eq!(p["Cond"], json!({"Condition": "IsProd"}));
        assert_eq!(p["Port"], json!("80"), "core-schema tags are the parser's");
    }

    #[test]
    fn get_template_output_is_unwrapped_whether_its_body_is_an_object_or_text() {
        let object = json!({"TemplateBody": {"Resources": {}}, "StagesAvailable": ["Original"]}).to_string();
        assert_eq!(parse(&object).unwrap().unwrap(), json!({"Resources": {}}));
        let text = json!({"TemplateBody": YAML}).to_string();
        assert_eq!(
            parse(&text).unwrap().unwrap()["Resources"]["Group"]["Properties"]["VpcId"],
            json!({"Ref": "VpcId"})
        );
        let empty = json!({"TemplateBody": "services: {}"}).to_string();
        assert!(parse(&empty).unwrap().is_err());
    }

    #[test]
    fn compose_files_are_not_templates() {
        assert!(parse("services:\n  web:\n    image: nginx\n").is_none());
        assert!(parse("{\"services\": {}}").is_none(), "a compose file written as JSON");
        assert!(parse("services:\n  Resources:\n    image: !reset x\n").is_none(), "the word alone is not enough");
        assert!(parse("{ not json").is_none());
        assert!(parse("Resources: [unclosed").is_none(), "left to the compose reader's diagnostics");
    }

    #[test]
    fn an_alias_bomb_is_not_expanded() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        bomb.push_str("Resources: *a11\n");
        // Refused by the parser's limits, then left to the compose reader, which says so with a place.
        assert!(parse(&bomb).is_none());
    }

    #[test]
    fn unknown_tags_are_refused() {
        assert!(parse("Resources:\n  A: !Bogus-Tag x\n").unwrap().is_err());
    }
}
