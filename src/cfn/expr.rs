//! CloudFormation values: literals and the intrinsic functions the templates use, with every
//! name a reference points at checked by the [`Builder`](super::Builder) that made it.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

/// A logical name that a template declares or refers to. Only a [`Builder`](super::Builder)
/// makes one, and it records every name it hands out, so a reference to a name the template
/// never declares is found when the template is finished rather than by CloudFormation.
///
/// Shared, not copied: the builder keeps one `Arc` per name, and each of the many references
/// to it (a service's balancer is named by its listeners, its task, its outputs…) is a count,
/// not another string — they were a tenth of a large template's memory.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(pub(super) std::sync::Arc<str>);

impl Name {
    /// The name as written in the template.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// Lookups by `&str`: `Name` hashes and compares as its string does.
impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A value in a template: a literal, or an intrinsic function over names the builder checked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// A string literal.
    Str(String),
    /// A number literal.
    Int(i64),
    /// A boolean literal.
    Bool(bool),
    /// `{"Ref": name}`: a parameter, a resource or a pseudo parameter.
    Ref(Name),
    /// `{"Fn::GetAtt": [resource, attribute]}`.
    GetAtt(Name, &'static str),
    /// `{"Fn::Sub": text}`; its `${…}` variables were checked when it was built.
    Sub(String),
    /// `{"Fn::Join": [separator, parts]}`.
    Join(&'static str, Vec<Expr>),
    /// `{"Fn::Equals": [a, b]}`, for conditions.
    Equals(Box<Expr>, Box<Expr>),
}

impl From<&str> for Expr {
    fn from(s: &str) -> Self {
        Expr::Str(s.to_string())
    }
}

impl From<String> for Expr {
    fn from(s: String) -> Self {
        Expr::Str(s)
    }
}

impl Expr {
    /// The name a `Ref` points at, if this is one.
    pub fn ref_name(&self) -> Option<&str> {
        match self {
            Expr::Ref(n) => Some(n.as_str()),
            _ => None,
        }
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// `[a, b]` of two differently typed items.
        struct Pair<'a, A, B>(&'a A, &'a B);
        impl<A: Serialize, B: Serialize> Serialize for Pair<'_, A, B> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(2))?;
                seq.serialize_element(self.0)?;
                seq.serialize_element(self.1)?;
                seq.end()
            }
        }
        fn function<S: Serializer, V: Serialize + ?Sized>(s: S, key: &str, value: &V) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(1))?;
            map.serialize_entry(key, value)?;
            map.end()
        }
        match self {
            Expr::Str(v) => s.serialize_str(v),
            Expr::Int(v) => s.serialize_i64(*v),
            Expr::Bool(v) => s.serialize_bool(*v),
            Expr::Ref(name) => function(s, "Ref", name),
            Expr::GetAtt(name, attribute) => function(s, "Fn::GetAtt", &Pair(name, attribute)),
            Expr::Sub(text) => function(s, "Fn::Sub", text),
            Expr::Join(separator, parts) => function(s, "Fn::Join", &Pair(separator, parts)),
            Expr::Equals(a, b) => function(s, "Fn::Equals", &Pair(a, b)),
        }
    }
}

/// Serializes a number as a string, as several CloudFormation properties are written
/// (ports and health check settings of Classic ELBs, parameter defaults).
pub fn as_string<T: std::fmt::Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn name(n: &str) -> Name {
        Name(n.into())
    }

    #[test]
    fn each_expression_serializes_as_cloudformation_writes_it() {
        let cases = [
            (Expr::Str("a\"b".into()), json!("a\"b")),
            (Expr::Int(3), json!(3)),
            (Expr::Bool(true), json!(true)),
            (Expr::Ref(name("P")), json!({"Ref": "P"})),
            (Expr::GetAtt(name("B"), "DNSName"), json!({"Fn::GetAtt": ["B", "DNSName"]})),
            (Expr::Sub("x-${P}".into()), json!({"Fn::Sub": "x-${P}"})),
            (
                Expr::Join("", vec![Expr::from("a:"), Expr::Ref(name("P"))]),
                json!({"Fn::Join": ["", ["a:", {"Ref": "P"}]]}),
            ),
            (
                Expr::Equals(Box::new(Expr::Ref(name("P"))), Box::new(Expr::from(""))),
                json!({"Fn::Equals": [{"Ref": "P"}, ""]}),
            ),
        ];
        for (expr, expected) in cases {
            assert_eq!(serde_json::to_value(&expr).unwrap(), expected, "{expr:?}");
        }
    }
}
