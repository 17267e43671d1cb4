//! The adoption's decisions on small templates: what is kept, replaced, carried, removed.
//!
//! Past 400 lines: one test per kind of decision, on small templates and on Convox's fixture
//! stacks.

use super::*;
use serde_json::json;

/// A Convox-shaped live template: the rack's balancer (a tls port), its security group and
/// the rack's bucket.
fn live_template() -> Value {
    let mut t = crate::review::convox::tests::rack_balancer();
    t["Parameters"]["VPC"] = json!({"Type": "AWS::EC2::VPC::Id"});
    t["Parameters"]["Release"] = json!({"Type": "String", "Default": ""});
    let lb = &mut t["Resources"]["BalancerWeb"]["Properties"];
    lb["Listeners"][0]["Protocol"] = json!("SSL");
    lb["Listeners"][0]["InstanceProtocol"] = json!("TCP");
    lb["SecurityGroups"] = json!([{"Ref": "BalancerWebSecurityGroup"}]);
    t["Resources"]["BalancerWebSecurityGroup"] = json!({"Type": "AWS::EC2::SecurityGroup", "Properties": {
        "GroupDescription": {"Fn::Join": [" ", [{"Ref": "AWS::StackName"}, "-balancer"]]},
        "VpcId": {"Ref": "VPC"}
    }});
    t["Resources"]["Settings"] = json!({"Type": "AWS::S3::Bucket",
        "Properties": {"Tags": [{"Key": "Release", "Value": {"Ref": "Release"}}]}});
    t["Outputs"] = json!({"Settings": {"Value": {"Ref": "Settings"}}});
    // The ECS side is not what these tests are about (the service is named from the logical ID).
    t["Resources"].as_object_mut().unwrap().remove("ServiceWeb");
    t
}

/// What compose-cfn compiles for the same app (trimmed to what adoption looks at).
fn ours(scheme: &str) -> Value {
    json!({
        "Metadata": {"ComposeCfn": {"SelfSignedCertificates": [{"Parameter": "WebPort443Certificate", "Target": "web:443"}]}},
        "Parameters": {
            "VpcId": {"Type": "AWS::EC2::VPC::Id"},
            "WebPort443Host": {"Type": "Number", "Default": "17229"},
            "WebPort443Certificate": {"Type": "String"}
        },
        "Resources": {
            "BalancerWeb": {"Type": LOAD_BALANCER, "Properties": {
                "Scheme": scheme,
                "SecurityGroups": [{"Ref": "BalancerWebSecurityGroup"}],
                "Listeners": [{
                    "LoadBalancerPort": "443", "InstancePort": {"Ref": "WebPort443Host"},
                    "Protocol": "SSL", "InstanceProtocol": "TCP",
                    "SSLCertificateId": {"Ref": "WebPort443Certificate"}
                }],
                "Tags": [{"Key": "Service", "Value": "web"}]
            }},
            "BalancerWebSecurityGroup": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
                "GroupDescription": "web balancer of app httpd",
                "VpcId": {"Ref": "VpcId"}
            }}
        }
    })
}

const ARN: &str = "arn:aws:iam::123456789012:server-certificate/cert-convox-test-1";

fn live(values: &[(&str, &str)]) -> Live {
    let params: Vec<Value> = values.iter().map(|(k, v)| json!({"ParameterKey": k, "ParameterValue": v})).collect();
    Live::read(
        &json!({"TemplateBody": live_template().to_string()}),
        Some(&json!({"Stacks": [{"Parameters": params}]})),
    )
    .unwrap()
}

fn decision<'a>(a: &'a Adoption, name: &str) -> &'a Action {
    &a.decisions
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("no decision on {name}: {:?}", a.decisions))
        .action
}

#[test]
fn identities_instance_ports_and_certificates_are_kept() {
    let live = live(&[("WebPort443Certificate", ARN), ("WebPort443Host", "31234"), ("VPC", "vpc-1")]);
    let a = adopt(&live, &ours("internet-facing"), AdoptOptions::default()).unwrap();
    let t = &a.template;
    let lb = &t["Resources"]["BalancerWeb"]["Properties"];
    assert_eq!(lb["LoadBalancerName"], "httpd-web-ABC", "the physical name, resolved");
    assert!(lb.get("Scheme").is_none(), "internet-facing written out would change nothing: kept absent");
    let sg = &t["Resources"]["BalancerWebSecurityGroup"]["Properties"];
    assert_eq!(
        sg["GroupDescription"],
        live_template()["Resources"]["BalancerWebSecurityGroup"]["Properties"]["GroupDescription"]
    );
    assert_eq!(sg["VpcId"], json!({"Ref": "VPC"}));
    assert!(t["Parameters"].get("VPC").is_some(), "the kept VpcId's parameter is declared");
    assert!(t["Parameters"].get("VpcId").is_none(), "ours is used by nothing any more");
    assert_eq!(t["Parameters"]["WebPort443Host"]["Default"], "31234");
    assert_eq!(t["Parameters"]["WebPort443Certificate"]["Default"], ARN);
    assert_eq!(t["Metadata"]["ComposeCfn"]["SelfSignedCertificates"], json!([]), "no self-signed over a bound one");
    assert_eq!(t["Metadata"]["ComposeCfnAdoptedFrom"], "convox");
    match decision(&a, "BalancerWeb") {
        Action::InPlace { kept, .. } => assert!(kept.contains(&"LoadBalancerName".to_string()), "{kept:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(decision(&a, "WebPort443Host"), &Action::KeptValue { value: "31234".into() });
    assert_eq!(a.replacements().count() + a.removals().count(), 0);
}

#[test]
fn a_scheme_the_manifest_changes_is_a_replacement_with_its_reason() {
    let a = adopt(&live(&[]), &ours("internal"), AdoptOptions::default()).unwrap();
    match decision(&a, "BalancerWeb") {
        Action::Replaced { property, why } => {
            assert_eq!(property, "Scheme");
            assert!(why.contains("new DNS name"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(a.replacements().count(), 1);
    assert!(decision(&a, "BalancerWeb").clone() != Action::Unchanged);
    let line = a.decisions.iter().find(|d| d.name == "BalancerWeb").unwrap().line();
    assert!(line.contains("REPLACED: Scheme changes"), "{line}");
    // What deploy and compile --adopt refuse without --allow-replacement, and say why.
    let refused = a.check_replacements(false).unwrap_err().to_string();
    assert!(
        refused.starts_with("adopting would replace BalancerWeb (Scheme changes: a Classic ELB's Scheme"),
        "{refused}"
    );
    assert_eq!(a.check_replacements(true), Ok(()));
    // Allowed, the new balancer must not take the live one's name: AWS could not create it.
    let replaced = &a.template["Resources"]["BalancerWeb"]["Properties"];
    assert_eq!(replaced.get("LoadBalancerName"), None, "{replaced}");
    assert_eq!(replaced["Scheme"], "internal");
    let kept = adopt(&live(&[]), &ours("internet-facing"), AdoptOptions::default()).unwrap();
    assert_eq!(kept.template["Resources"]["BalancerWeb"]["Properties"]["LoadBalancerName"], "httpd-web-ABC");
    assert_eq!(kept.check_replacements(false), Ok(()));
}

#[test]
fn convox_resources_are_carried_unless_removal_is_allowed() {
    let kept = adopt(&live(&[]), &ours("internet-facing"), AdoptOptions::default()).unwrap();
    assert_eq!(kept.template["Resources"]["Settings"]["Type"], "AWS::S3::Bucket");
    assert_eq!(kept.template["Outputs"]["Settings"], json!({"Value": {"Ref": "Settings"}}));
    assert!(kept.template["Parameters"].get("Release").is_some(), "the carried bucket uses it");
    assert_eq!(decision(&kept, "Settings"), &Action::Carried);
    assert_eq!(kept.removals().count(), 0);

    let removed =
        adopt(&live(&[]), &ours("internet-facing"), AdoptOptions { allow_removal: true, ..AdoptOptions::default() })
            .unwrap();
    assert!(removed.template["Resources"].get("Settings").is_none());
    assert!(removed.template.get("Outputs").and_then(|o| o.get("Settings")).is_none());
    assert_eq!(decision(&removed, "Release"), &Action::Unused);
    assert_eq!(removed.removals().count(), 2, "the bucket and its output: {:?}", removed.decisions);
}

#[test]
fn a_certificate_the_manifest_would_drop_is_refused() {
    let mut plain = ours("internet-facing");
    let listener = &mut plain["Resources"]["BalancerWeb"]["Properties"]["Listeners"][0];
    listener.as_object_mut().unwrap().remove("SSLCertificateId");
    listener["Protocol"] = json!("TCP");
    let e = adopt(&live(&[("WebPort443Certificate", ARN)]), &plain, AdoptOptions::default()).unwrap_err();
    assert_eq!(e, AdoptError::CertificateDropped { service: "web".into(), port: 443, arn: ARN.into() });
    // Without a live certificate there is nothing to drop.
    assert!(adopt(&live(&[]), &plain, AdoptOptions::default()).is_ok());
}

#[test]
fn only_convox_made_or_adopted_templates_are_read() {
    assert_eq!(Live::read(&ours("internet-facing"), None).unwrap_err(), AdoptError::NotConvox);
    assert!(matches!(Live::read(&json!({"TemplateBody": "{"}), None), Err(AdoptError::Shape(_))));
    assert!(matches!(Live::read(&live_template(), Some(&json!({"Stacks": []}))), Err(AdoptError::Shape(_))));
    let bare = json!([{"ParameterKey": "Internal", "ParameterValue": "Yes"}]);
    let internal = Live::read(&live_template(), Some(&bare)).unwrap();
    assert_eq!(internal.template["Resources"]["BalancerWeb"]["Properties"]["Scheme"], "internal");
    let adopted = adopt(&live(&[]), &ours("internet-facing"), AdoptOptions::default()).unwrap().template;
    let again = adopt(&Live::read(&adopted, None).unwrap(), &ours("internet-facing"), AdoptOptions::default()).unwrap();
    assert_eq!(again.template, adopted, "adopting an adopted stack again changes nothing");
}

/// A live stack whose web service `convox scale` set to `count` tasks, and our template for
/// it with `compiled` tasks.
fn scaled(count: &str, compiled: u32) -> (Live, Value) {
    let mut t = live_template();
    t["Parameters"]["WebFormation"] = json!({"Type": "CommaDelimitedList", "Default": "1,0,256"});
    t["Resources"]["ServiceWeb"] = json!({"Type": "AWS::ECS::Service",
        "Properties": {"DesiredCount": {"Fn::Select": [0, {"Ref": "WebFormation"}]}}});
    let formation = if count.contains(',') { count.to_string() } else { format!("{count},0,256") };
    let values = json!([{"ParameterKey": "WebFormation", "ParameterValue": formation}]);
    let mut ours = ours("internet-facing");
    ours["Resources"]["ServiceWeb"] = json!({"Type": "AWS::ECS::Service",
        "Properties": {"DesiredCount": compiled, "TaskDefinition": {"Ref": "WebTaskDefinition"}}});
    ours["Resources"]["WebTaskDefinition"] = json!({"Type": "AWS::ECS::TaskDefinition",
        "Properties": {"ContainerDefinitions": [{"Name": "web", "MemoryReservation": 256}]}});
    (Live::read(&t, Some(&values)).unwrap(), ours)
}

fn scale_decision(a: &Adoption) -> Option<&Decision> {
    a.decisions.iter().find(|d| d.section == "scale" && d.kind == "AWS::ECS::Service")
}

#[test]
fn the_live_count_is_kept_where_the_manifest_sets_none() {
    let (live, ours) = scaled("3", 1);
    let a = adopt(&live, &ours, AdoptOptions::default()).unwrap();
    assert_eq!(a.template["Resources"]["ServiceWeb"]["Properties"]["DesiredCount"], json!(3));
    let d = scale_decision(&a).expect("a scale decision");
    assert_eq!(d.action, Action::Scale { live: 3, manifest: None, parameter: "WebFormation".into() });
    assert!(d.line().contains("DesiredCount kept at its live value 3 (from WebFormation"), "{}", d.line());
    // The service itself: the count is kept, not changed.
    assert_eq!(
        *decision(&a, "ServiceWeb"),
        Action::InPlace { changed: vec!["TaskDefinition".into()], kept: vec!["DesiredCount".into()] }
    );
}

fn container(a: &Adoption) -> &Value {
    &a.template["Resources"]["WebTaskDefinition"]["Properties"]["ContainerDefinitions"][0]
}

#[test]
fn the_live_cpu_and_memory_are_kept_where_the_manifest_sizes_nothing() {
    let (live, ours) = scaled("3,512,1024", 1);
    let a = adopt(&live, &ours, AdoptOptions::default()).unwrap();
    assert_eq!(container(&a), &json!({"Name": "web", "Cpu": 512, "MemoryReservation": 1024}));
    let d = a.decisions.iter().find(|d| d.name == "WebTaskDefinition" && d.section == "scale").unwrap();
    assert!(d.line().contains("kept at its live value Cpu 512, MemoryReservation 1024 (from WebFormation 3,512,1024"));
    // A stack adopted before keeps them on every deploy.
    let again = adopt(&Live::read(&a.template, None).unwrap(), &ours, AdoptOptions::default()).unwrap();
    assert_eq!(container(&again), &json!({"Name": "web", "Cpu": 512, "MemoryReservation": 1024}));
    // A manifest that sizes the container decides all of it.
    let options = AdoptOptions { sized: ["ServiceWeb".to_string()].into(), ..AdoptOptions::default() };
    let sized = adopt(&live, &ours, options).unwrap();
    assert_eq!(container(&sized), &json!({"Name": "web", "MemoryReservation": 256}));
    assert!(!sized.decisions.iter().any(|d| d.name == "WebTaskDefinition" && d.section == "scale"));
}

#[test]
fn a_count_the_manifest_sets_wins_and_the_preview_shows_before_and_after() {
    let (live, ours) = scaled("3", 2);
    let options = AdoptOptions { scaled: ["ServiceWeb".to_string()].into(), ..AdoptOptions::default() };
    let a = adopt(&live, &ours, options.clone()).unwrap();
    assert_eq!(a.template["Resources"]["ServiceWeb"]["Properties"]["DesiredCount"], json!(2));
    let d = scale_decision(&a).expect("a scale decision");
    assert_eq!(d.action, Action::Scale { live: 3, manifest: Some(2), parameter: "WebFormation".into() });
    assert!(d.line().contains("DesiredCount 3 → 2: the manifest's count wins"), "{}", d.line());
    // The same count on both sides needs no word.
    let (live, ours) = scaled("2", 2);
    assert_eq!(scale_decision(&adopt(&live, &ours, options).unwrap()), None);
}

#[test]
fn a_stack_adopted_before_keeps_its_count_on_every_deploy() {
    let (live, ours) = scaled("3", 1);
    let adopted = adopt(&live, &ours, AdoptOptions::default()).unwrap().template;
    let again = adopt(&Live::read(&adopted, None).unwrap(), &ours, AdoptOptions::default()).unwrap();
    assert_eq!(again.template["Resources"]["ServiceWeb"]["Properties"]["DesiredCount"], json!(3));
    let d = scale_decision(&again).expect("a scale decision");
    assert_eq!(d.action, Action::Scale { live: 3, manifest: None, parameter: "its DesiredCount".into() });
}

#[test]
fn a_disabled_or_unreadable_formation_leaves_the_compiled_count() {
    for value in ["-1", "many"] {
        let (live, ours) = scaled(value, 1);
        let a = adopt(&live, &ours, AdoptOptions::default()).unwrap();
        assert_eq!(a.template["Resources"]["ServiceWeb"]["Properties"]["DesiredCount"], json!(1), "{value}");
        assert_eq!(scale_decision(&a), None, "{value}");
    }
}

/// Convox's own app templates (`fixtures/convox-stacks`) with the values a rack passed.
fn fixture_stacks() -> Vec<(String, Value, Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/convox-stacks");
    let read = |file: String| serde_json::from_str::<Value>(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".yml").map(String::from))
        .collect();
    names.sort();
    names.into_iter().map(|n| (n.clone(), read(format!("{n}.json")), read(format!("{n}.parameters.json")))).collect()
}

const ENV_URL: &str = "https://convox-test-settings-1x2y3z.s3.amazonaws.com/releases/RKQSNMIKXHW/env";
const KMS_KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

#[test]
fn every_convox_fixture_stack_has_an_environment_that_adoption_refuses_to_drop() {
    let stacks = fixture_stacks();
    assert_eq!(stacks.len(), 10, "the ten convox/rack fixtures");
    let ours = json!({"Metadata": {"ComposeCfn": {}}, "Resources": {}});
    for (name, template, mut values) in stacks {
        // Bound certificates are not what this is about: `ours` has no listener to keep them.
        let params = values["Stacks"][0]["Parameters"].as_array_mut().unwrap();
        params.retain(|p| !p["ParameterKey"].as_str().unwrap().ends_with("Certificate"));
        // Every task definition passes `Environment` and `Key` to the rack's function.
        let tasks =
            template["Resources"].as_object().unwrap().values().filter(|r| r["Type"] == "Custom::ECSTaskDefinition");
        for task in tasks {
            assert_eq!(task["Properties"]["Environment"], json!({"Ref": "Environment"}), "{name}");
            assert_eq!(task["Properties"]["Key"], json!({"Ref": "Key"}), "{name}");
        }
        let live = Live::read(&template, Some(&values)).unwrap();
        let found = ConvoxEnvironment { url: Some(ENV_URL.into()), key: Some(KMS_KEY.into()) };
        assert_eq!(live.environment.as_ref(), Some(&found), "{name}");
        let a = adopt(&live, &ours, AdoptOptions::default()).unwrap();
        let refused = a.check_environment(false).unwrap_err();
        assert_eq!(refused, AdoptError::ConvoxEnvironment(found.clone()), "{name}");
        let message = refused.to_string();
        assert!(message.contains(ENV_URL) && message.contains(KMS_KEY), "{name}: {message}");
        assert!(message.contains("would be lost on the first deploy"), "{name}: {message}");
        assert_eq!(a.check_environment(true), Ok(()), "{name}: --env-migrated");
        assert!(a.drops_environment(), "{name}");
        let d = a.decisions.iter().find(|d| matches!(d.action, Action::EnvironmentNotRead { .. })).unwrap();
        assert_eq!((d.section, d.name.as_str()), ("parameter", "Environment"), "{name}");
        assert!(d.line().contains(&format!("in the file {ENV_URL}, encrypted with the KMS key {KMS_KEY}")), "{name}");
        assert!(d.line().contains("Convox's environment is no longer read"), "{name}: {}", d.line());
        // The template alone: the app had an environment, where is not known.
        let alone = Live::read(&template, None).unwrap();
        assert_eq!(alone.environment, Some(ConvoxEnvironment::default()), "{name}");
        let refused = adopt(&alone, &ours, AdoptOptions::default()).unwrap().check_environment(false).unwrap_err();
        assert!(refused.to_string().contains("give --adopt-parameters to see which"), "{name}: {refused}");
    }
}

/// The rack's template with its `Environment` and `Key` parameters, read with `values`.
fn with_environment(values: &[(&str, &str)]) -> Live {
    let mut t = live_template();
    t["Parameters"]["Environment"] = json!({"Type": "String", "Default": ""});
    t["Parameters"]["Key"] = json!({"Type": "String", "Default": ""});
    let params: Vec<Value> = values.iter().map(|(k, v)| json!({"ParameterKey": k, "ParameterValue": v})).collect();
    Live::read(&t, Some(&Value::Array(params))).unwrap()
}

#[test]
fn a_blank_environment_value_is_no_environment_and_a_missing_one_is_unknown() {
    assert_eq!(with_environment(&[("Environment", " "), ("Key", KMS_KEY)]).environment, None);
    let a = adopt(&with_environment(&[("Environment", "")]), &ours("internet-facing"), AdoptOptions::default());
    assert_eq!(a.unwrap().check_environment(false), Ok(()), "nothing to lose");
    assert_eq!(with_environment(&[("VPC", "vpc-1")]).environment, Some(ConvoxEnvironment::default()));
    // An unencrypted file (the rack had no key): the URL alone.
    let plain = with_environment(&[("Environment", ENV_URL), ("Key", "")]).environment.unwrap();
    assert_eq!(plain, ConvoxEnvironment { url: Some(ENV_URL.into()), key: None });
    assert_eq!(plain.place(), format!("the file {ENV_URL}"));
    // A template without the parameter never had one.
    assert_eq!(live(&[("VPC", "vpc-1")]).environment, None);
}

#[test]
fn a_stack_adopted_before_is_not_refused_again_for_its_environment() {
    let live = with_environment(&[("Environment", ENV_URL), ("Key", KMS_KEY)]);
    let mut ours = ours("internet-facing");
    // A carried resource still passes `Environment`: the adopted template keeps declaring it.
    ours["Resources"]["Task"] = json!({"Type": "Custom::ECSTaskDefinition",
        "Properties": {"Environment": {"Ref": "Environment"}, "Key": {"Ref": "Key"}}});
    let first = adopt(&live, &ours, AdoptOptions::default()).unwrap();
    assert!(first.check_environment(false).is_err());
    assert!(first.template["Parameters"].get("Environment").is_some());
    let values = json!([{"ParameterKey": "Environment", "ParameterValue": ENV_URL}]);
    let again = Live::read(&first.template, Some(&values)).unwrap();
    assert_eq!(again.environment, None, "acknowledged at the first adoption");
    assert_eq!(adopt(&again, &ours, AdoptOptions::default()).unwrap().check_environment(false), Ok(()));
}

/// `multi_balancer`'s manifest (with `extra` added to the web service), compiled as `compile`
/// does, and its live stack.
fn multi_balancer(extra: &str) -> (Live, Value) {
    let (_, template, values) = fixture_stacks().into_iter().find(|(n, _, _)| n == "multi_balancer").unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/convox-stacks");
    let manifest = std::fs::read_to_string(dir.join("multi_balancer.yml")).unwrap().replacen(
        "web:\n",
        &format!("web:\n{extra}"),
        1,
    );
    let inputs = vec![crate::load::Input { path: "docker-compose.yml".into(), bytes: manifest.into_bytes() }];
    let options = crate::CompileOptions { app: Some("httpd".into()), ..Default::default() };
    let compiled = crate::compile(inputs, &crate::load::Environment::default(), &options);
    let ours = compiled.template_value().unwrap_or_else(|| panic!("{:?}", compiled.diagnostics));
    (Live::read(&template, Some(&values)).unwrap(), ours)
}

fn environment(a: &Adoption, task: &str) -> Vec<(String, Value)> {
    let list = &a.template["Resources"][task]["Properties"]["ContainerDefinitions"][0]["Environment"];
    list.as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["Name"].as_str().unwrap().to_string(), e["Value"].clone()))
        .collect()
}

#[test]
fn the_variables_convox_set_in_every_container_are_kept_unless_the_manifest_sets_them() {
    let (live, ours) = multi_balancer("");
    let a = adopt(&live, &ours, AdoptOptions::default()).unwrap();
    // The rack's `Tasks[0].Environment`, `LOG_GROUP` resolved with `NativeLogging=No`; no RELEASE.
    let expected = |process: &str| {
        vec![
            ("APP".to_string(), json!("httpd")),
            ("AWS_REGION".to_string(), json!("test")),
            ("LOG_GROUP".to_string(), json!({"Ref": "LogGroup"})),
            ("PROCESS".to_string(), json!(process)),
            ("RACK".to_string(), json!("convox-test")),
        ]
    };
    assert_eq!(environment(&a, "WebTaskDefinition"), expected("web"));
    assert_eq!(environment(&a, "WorkerTaskDefinition"), expected("worker"));
    let d = a.decisions.iter().find(|d| d.section == "environment" && d.name == "WebTaskDefinition").unwrap();
    assert_eq!(
        d.line(),
        "  = WebTaskDefinition (AWS::ECS::TaskDefinition)  keeps the variables Convox set in every container: APP=httpd, AWS_REGION=test, LOG_GROUP=!Ref LogGroup, PROCESS=web, RACK=convox-test (not RELEASE: no Convox release runs it any more)"
    );
    // A stack adopted before still carries Convox's task definitions: the same on every deploy.
    let again = adopt(&Live::read(&a.template, None).unwrap(), &ours, AdoptOptions::default()).unwrap();
    assert_eq!(environment(&again, "WebTaskDefinition"), expected("web"));
    // Where `--allow-removal` removed them, from the containers the first adoption gave them to.
    let removed = adopt(&live, &ours, AdoptOptions { allow_removal: true, ..AdoptOptions::default() }).unwrap();
    let after = adopt(&Live::read(&removed.template, None).unwrap(), &ours, AdoptOptions::default()).unwrap();
    assert_eq!(environment(&after, "WorkerTaskDefinition"), expected("worker"));
    // The manifest's own value wins, and is not listed as kept.
    let (live, ours) = multi_balancer("  environment:\n    - PROCESS=puma\n");
    let a = adopt(&live, &ours, AdoptOptions::default()).unwrap();
    let web = environment(&a, "WebTaskDefinition");
    assert_eq!(web.iter().find(|(n, _)| n == "PROCESS").map(|(_, v)| v), Some(&json!("puma")));
    assert_eq!(web.len(), 5);
    let d = a.decisions.iter().find(|d| d.section == "environment" && d.name == "WebTaskDefinition").unwrap();
    assert!(!d.line().contains("PROCESS="), "{}", d.line());
}

#[test]
fn a_malformed_parameters_entry_is_named_by_place_and_key_never_shown() {
    let entries = json!([
        {"ParameterKey": "Cluster", "ParameterValue": "c1"},
        {"ParameterKey": "DbPassword", "ParameterValue": 42, "Note": "SECRET-NOTE"},
        {"ParameterValue": "SECRET-VALUE"},
    ]);
    let message = parameter_list(&entries).unwrap_err().to_string();
    assert_eq!(message, "parameters: entry 2 (`DbPassword`) has no text ParameterValue");
    let keyless = parameter_list(&json!([{"ParameterValue": "SECRET-VALUE"}])).unwrap_err().to_string();
    assert!(
        keyless.ends_with("parameters: entry 1 has no text ParameterKey") && !keyless.contains("SECRET"),
        "{keyless}"
    );
}
