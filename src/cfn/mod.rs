//! A small typed CloudFormation model: the template, its parameters, resources, outputs and
//! conditions, built through a [`Builder`] that checks every reference, and serialized once,
//! straight to a writer, in the key order the templates have always had.
//!
//! The model knows CloudFormation, not compose files: the per-target lowerings in
//! [`crate::lower`] turn a plan into one.
//!
//! Past 400 lines because of its tests: the builder's checks (references, duplicates, section
//! order) are tested next to it.

pub mod expr;
pub mod metadata;
pub mod resources;

pub use expr::{Expr, Name};
pub use metadata::Metadata;
pub use resources::{Properties, Resource};

use indexmap::IndexMap;
use serde::Serialize;
use std::io::Write;

/// A template section: names in the order they were declared. Hashed with foldhash (randomly
/// seeded, so no input can make lookups quadratic): SipHash was a twentieth of a compile.
pub type Map<T> = IndexMap<Name, T, foldhash::fast::RandomState>;

/// A whole template. Made by [`Builder::finish`], so every reference in it resolves.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Template {
    #[serde(rename = "AWSTemplateFormatVersion")]
    format_version: &'static str,
    description: String,
    metadata: Metadata,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    parameters: Map<Parameter>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    conditions: Map<Expr>,
    resources: Map<Resource>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    outputs: Map<Output>,
}

impl Template {
    /// The parameters, in template order.
    pub fn parameters(&self) -> &Map<Parameter> {
        &self.parameters
    }

    /// The resources, in template order.
    pub fn resources(&self) -> &Map<Resource> {
        &self.resources
    }

    /// The outputs, in template order.
    pub fn outputs(&self) -> &Map<Output> {
        &self.outputs
    }

    /// Writes the template as pretty-printed JSON with a final newline.
    pub fn write_to(&self, mut out: impl Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut out, self)?;
        out.write_all(b"\n")
    }

    /// The template as pretty-printed JSON text with a final newline.
    pub fn to_text(&self) -> String {
        let mut bytes = Vec::with_capacity(4096);
        self.write_to(&mut bytes).expect("writing to memory cannot fail, and every key is a string");
        String::from_utf8(bytes).expect("serde_json writes UTF-8")
    }

    /// The length of [`Template::to_text`] in bytes, counted without keeping the text, or
    /// `cap + 1` when it is longer than `cap`: counting stops there, so asking whether a
    /// large template is over a quota costs `cap` bytes of serializing, not the whole template.
    pub fn len_up_to(&self, cap: usize) -> usize {
        let mut counter = Counter { len: 0, cap };
        match self.write_to(&mut counter) {
            Ok(()) => counter.len,
            Err(_) => cap.saturating_add(1),
        }
    }
}

/// A writer that keeps only the number of bytes written, failing once it passes `cap`.
struct Counter {
    len: usize,
    cap: usize,
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.len += buf.len();
        if self.len > self.cap {
            return Err(std::io::Error::other("past the cap"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The type of a template parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ParameterType {
    /// `String`.
    String,
    /// `Number`.
    Number,
    /// `List<AWS::EC2::Subnet::Id>`.
    #[serde(rename = "List<AWS::EC2::Subnet::Id>")]
    SubnetIds,
    /// `AWS::EC2::VPC::Id`.
    #[serde(rename = "AWS::EC2::VPC::Id")]
    VpcId,
}

/// A template parameter. Fields are in the order the templates write them.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    /// `Type`.
    #[serde(rename = "Type")]
    pub kind: ParameterType,
    /// `NoEcho`: the value never appears in the console or API answers.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_echo: bool,
    /// `Default`, written as a string whatever the type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// `MinLength`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// `MinValue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<u32>,
    /// `MaxValue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<u32>,
    /// `AllowedValues`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<String>,
    /// `AllowedPattern`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<&'static str>,
    /// `ConstraintDescription`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint_description: Option<&'static str>,
    /// `Description`.
    pub description: String,
}

impl Parameter {
    /// A parameter of `kind` with a description and nothing else.
    pub fn new(kind: ParameterType, description: impl Into<String>) -> Self {
        Parameter {
            kind,
            default: None,
            no_echo: false,
            min_length: None,
            min_value: None,
            max_value: None,
            allowed_values: Vec::new(),
            allowed_pattern: None,
            constraint_description: None,
            description: description.into(),
        }
    }
}

/// A template output.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    /// `Description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Value`.
    pub value: Expr,
}

/// A resource a [`Builder`] declared: only [`Builder::resource`] makes one, so a reference
/// through it needs no check.
#[derive(Clone, Debug)]
pub struct Declared(Name);

/// How a name was referred to, for checking it once the template is complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    /// `Ref` or a `Fn::Sub` variable: a parameter, resource or pseudo parameter.
    Ref,
    /// `Fn::GetAtt` or `DependsOn`: a resource.
    Resource,
}

/// The sections that declare a name, as bits: one name may be, say, both an output and a
/// resource, but never twice in one section.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sections(u8);

impl Sections {
    const PARAMETER: u8 = 1;
    const CONDITION: u8 = 2;
    const RESOURCE: u8 = 4;
    const OUTPUT: u8 = 8;

    fn has(self, section: u8) -> bool {
        self.0 & section != 0
    }

    /// Whether a use of the name is satisfied by what declares it.
    fn satisfies(self, name: &str, usage: Use) -> bool {
        match usage {
            Use::Resource => self.has(Self::RESOURCE),
            Use::Ref => self.has(Self::RESOURCE) || self.has(Self::PARAMETER) || name.starts_with("AWS::"),
        }
    }
}

/// Builds a [`Template`], recording every name it refers to so that [`Builder::finish`] can
/// refuse a template that refers to something it never declares, or declares a name twice.
#[derive(Debug)]
pub struct Builder {
    template: Template,
    uses: Vec<(Name, Use)>,
    /// Every name handed out, so that each is allocated once (see [`Name`]), with the
    /// sections that declare it: a reference is checked with the one lookup that finds its
    /// shared name. At ten thousand services the sections hold tens of thousands of large
    /// entries, and looking a name up in them as well cost a third of the lowering in cache
    /// misses.
    names: foldhash::HashMap<std::sync::Arc<str>, Sections>,
    duplicates: Vec<String>,
}

impl Builder {
    /// An empty template.
    pub fn new(description: String, metadata: Metadata) -> Self {
        Builder {
            template: Template {
                format_version: "2010-09-09",
                description,
                metadata,
                parameters: Map::default(),
                conditions: Map::default(),
                resources: Map::default(),
                outputs: Map::default(),
            },
            uses: Vec::new(),
            names: foldhash::HashMap::default(),
            duplicates: Vec::new(),
        }
    }

    /// `{"Ref": name}`.
    pub fn reference(&mut self, name: &str) -> Expr {
        Expr::Ref(self.refer(name, Use::Ref))
    }

    /// `{"Fn::GetAtt": [resource, attribute]}`.
    pub fn get_att(&mut self, resource: &str, attribute: &'static str) -> Expr {
        Expr::GetAtt(self.refer(resource, Use::Resource), attribute)
    }

    /// `{"Fn::Sub": text}`; each `${Name}` or `${Name.Attribute}` variable is a reference
    /// (`${!…}` is literal text).
    pub fn sub(&mut self, text: String) -> Expr {
        for var in text.split("${").skip(1).filter_map(|rest| rest.split_once('}').map(|(v, _)| v)) {
            if !var.starts_with('!') {
                let name = var.split('.').next().unwrap_or(var);
                self.refer(name, Use::Ref);
            }
        }
        Expr::Sub(text)
    }

    /// The one shared [`Name`] for `name`, and the sections that declare it so far.
    fn intern(&mut self, name: &str) -> (Name, &mut Sections) {
        let shared = match self.names.get_key_value(name) {
            Some((shared, _)) => shared.clone(),
            None => {
                let shared: std::sync::Arc<str> = std::sync::Arc::from(name);
                self.names.insert(shared.clone(), Sections::default());
                shared
            }
        };
        // The second lookup finds the entry the first one just brought into the cache.
        let sections = self.names.get_mut(name).expect("interned above");
        (Name(shared), sections)
    }

    /// A reference to `name`, recorded for [`Builder::finish`] unless what it needs is
    /// declared already (most references follow their declaration).
    fn refer(&mut self, name: &str, usage: Use) -> Name {
        let (shared, sections) = self.intern(name);
        if !sections.satisfies(name, usage) {
            self.uses.push((shared.clone(), usage));
        }
        shared
    }

    /// `name`, declared in `section`; a second declaration in one section is recorded.
    fn declare(&mut self, name: &str, section: u8, what: &str) -> Name {
        let (shared, sections) = self.intern(name);
        let again = sections.has(section);
        sections.0 |= section;
        if again {
            self.duplicates.push(format!("{what} `{name}` is declared twice"));
        }
        shared
    }

    /// Declares a parameter.
    pub fn parameter(&mut self, name: impl AsRef<str>, parameter: Parameter) {
        let name = self.declare(name.as_ref(), Sections::PARAMETER, "parameter");
        self.template.parameters.insert(name, parameter);
    }

    /// Declares a condition.
    pub fn condition(&mut self, name: impl AsRef<str>, condition: Expr) {
        let name = self.declare(name.as_ref(), Sections::CONDITION, "condition");
        self.template.conditions.insert(name, condition);
    }

    /// Declares a resource that is created after those it `depends_on`, and returns it for
    /// references that need no lookup.
    pub fn resource(&mut self, name: impl AsRef<str>, depends_on: &[&str], properties: Properties) -> Declared {
        let depends_on = depends_on.iter().map(|d| self.refer(d, Use::Resource)).collect();
        let name = self.declare(name.as_ref(), Sections::RESOURCE, "resource");
        self.template.resources.insert(name.clone(), Resource { depends_on, properties });
        Declared(name)
    }

    /// `{"Ref": resource}` to a resource this builder declared: nothing to look up or check.
    /// Lowerings keep these for their outputs, which refer back to every service after all
    /// resources are built: looking each name up again missed the cache at ten thousand
    /// services.
    pub fn reference_to(&self, resource: &Declared) -> Expr {
        Expr::Ref(resource.0.clone())
    }

    /// `{"Fn::GetAtt": [resource, attribute]}` of a resource this builder declared.
    pub fn get_att_of(&self, resource: &Declared, attribute: &'static str) -> Expr {
        Expr::GetAtt(resource.0.clone(), attribute)
    }

    /// Declares an output.
    pub fn output(&mut self, name: impl AsRef<str>, description: Option<String>, value: Expr) {
        let name = self.declare(name.as_ref(), Sections::OUTPUT, "output");
        self.template.outputs.insert(name, Output { description, value });
    }

    /// The template, or every dangling reference and duplicate declaration in it.
    pub fn finish(self) -> Result<Template, Vec<String>> {
        let Builder { template, uses, duplicates, names } = self;
        let mut problems = duplicates;
        let mut missing: Vec<String> = uses
            .iter()
            .filter(|(name, usage)| !names.get(name.as_str()).is_some_and(|s| s.satisfies(name.as_str(), *usage)))
            .map(|(name, usage)| match usage {
                Use::Resource => format!("resource `{}` is referred to but not declared", name.0),
                Use::Ref => format!("`{}` is referred to but is neither a parameter nor a resource", name.0),
            })
            .collect();
        missing.sort();
        missing.dedup();
        problems.extend(missing);
        if template.resources.is_empty() {
            problems.push("the template has no resources".into());
        }
        if problems.is_empty() { Ok(template) } else { Err(problems) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use resources::{LogGroup, WaitConditionHandle};

    fn builder() -> Builder {
        Builder::new("d".into(), Metadata::default())
    }

    #[test]
    fn a_name_is_allocated_once_and_references_after_its_declaration_are_still_checked() {
        let mut b = Builder::new(String::new(), Metadata::default());
        b.parameter("P", Parameter::new(ParameterType::String, "p"));
        let (Expr::Ref(first), Expr::Ref(second)) = (b.reference("P"), b.reference("P")) else { unreachable!() };
        assert!(std::sync::Arc::ptr_eq(&first.0, &second.0), "one allocation per name");
        // Declared, but as a parameter: `Fn::GetAtt` needs a resource, and is still refused.
        let _ = b.get_att("P", "Arn");
        b.resource("H", &[], Properties::WaitConditionHandle(resources::WaitConditionHandle { reason: "r".into() }));
        assert_eq!(b.finish().unwrap_err(), ["resource `P` is referred to but not declared"]);
    }

    #[test]
    fn references_to_undeclared_names_are_refused() {
        let mut b = builder();
        let retention = b.reference("Days");
        b.resource("Logs", &["Elsewhere"], Properties::LogGroup(LogGroup { retention_in_days: retention }));
        let host = b.get_att("Ghost", "DNSName");
        b.output("Host", None, host);
        let sub = b.sub("${Missing.Arn}-${AWS::Region}-${!Literal}-${Logs}".into());
        b.output("S", None, sub);
        let problems = b.finish().unwrap_err();
        assert_eq!(
            problems,
            [
                "`Days` is referred to but is neither a parameter nor a resource",
                "`Missing` is referred to but is neither a parameter nor a resource",
                "resource `Elsewhere` is referred to but not declared",
                "resource `Ghost` is referred to but not declared",
            ]
        );
    }

    #[test]
    fn outputs_and_conditions_satisfy_no_reference_whichever_comes_first() {
        let mut b = builder();
        // One table records every section's names: a name declared only as an output or a
        // condition must not count as a parameter or resource, before or after the reference.
        b.condition("C", Expr::Bool(true));
        let early = b.reference("C");
        b.output("Early", None, early);
        let late = b.reference("O");
        b.output("O", None, late);
        let _ = b.get_att("O", "Arn");
        b.resource("H", &[], Properties::WaitConditionHandle(WaitConditionHandle { reason: "r".into() }));
        assert_eq!(
            b.finish().unwrap_err(),
            [
                "`C` is referred to but is neither a parameter nor a resource",
                "`O` is referred to but is neither a parameter nor a resource",
                "resource `O` is referred to but not declared",
            ]
        );
    }

    #[test]
    fn a_name_may_be_declared_once_in_each_section() {
        let mut b = builder();
        b.resource("Web", &[], Properties::WaitConditionHandle(WaitConditionHandle { reason: "r".into() }));
        let web = b.reference("Web");
        b.output("Web", None, web);
        assert!(b.finish().is_ok(), "an output may share its resource's name");
    }

    #[test]
    fn a_parameter_is_not_a_resource_for_get_att() {
        let mut b = builder();
        b.parameter("P", Parameter::new(ParameterType::String, "p"));
        let att = b.get_att("P", "Arn");
        b.output("O", None, att);
        b.resource("H", &[], Properties::WaitConditionHandle(WaitConditionHandle { reason: "r".into() }));
        assert_eq!(b.finish().unwrap_err(), ["resource `P` is referred to but not declared"]);
    }

    #[test]
    fn duplicate_declarations_and_empty_templates_are_refused() {
        let mut b = builder();
        b.parameter("P", Parameter::new(ParameterType::String, "one"));
        b.parameter("P", Parameter::new(ParameterType::Number, "two"));
        assert_eq!(b.finish().unwrap_err(), ["parameter `P` is declared twice", "the template has no resources"]);
    }

    #[test]
    fn sections_serialize_in_template_order_and_empty_ones_are_left_out() {
        let mut b = builder();
        let p = b.reference("P");
        b.condition("IsEmpty", Expr::Equals(Box::new(p), Box::new(Expr::from(""))));
        b.parameter("P", Parameter { default: Some("3".into()), ..Parameter::new(ParameterType::Number, "p") });
        b.resource("H", &[], Properties::WaitConditionHandle(WaitConditionHandle { reason: "r".into() }));
        let text = b.finish().unwrap().to_text();
        let keys: Vec<String> =
            serde_json::from_str::<serde_json::Value>(&text).unwrap().as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            ["AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Conditions", "Resources"]
        );
        assert!(text.contains("\"Default\": \"3\""), "{text}");
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn the_length_is_counted_exactly_up_to_the_cap() {
        let mut b = builder();
        b.resource("H", &[], Properties::WaitConditionHandle(WaitConditionHandle { reason: "r".into() }));
        let template = b.finish().unwrap();
        let len = template.to_text().len();
        assert_eq!(template.len_up_to(len), len);
        assert_eq!(template.len_up_to(usize::MAX), len);
        assert_eq!(template.len_up_to(len - 1), len);
        assert_eq!(template.len_up_to(10), 11);
    }
}
