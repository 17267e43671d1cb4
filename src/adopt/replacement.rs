//! What adoption does with a property AWS can change only by replacing the resource (the
//! table itself, from the "Update requires: Replacement" lines of the CloudFormation resource
//! reference, is `review::diff::REPLACING_PROPERTIES`, which `diff` reports with).

use crate::review::diff::REPLACING_PROPERTIES;
use crate::review::view::{LOAD_BALANCER, TASK_DEFINITION};

/// What adoption does with a replacement-only property whose value differs from the live one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// An identity the manifest does not decide (a name, a description, the VPC, the cluster,
    /// the role): the live value is kept, so the resource stays.
    Live,
    /// Something the manifest decides (a balancer's scheme): kept only when it means the same,
    /// else the change replaces the resource.
    Manifest,
}

/// Properties a Classic ELB keeps from the live stack although AWS could change them in place:
/// where the balancer lives (its subnets and security groups) is the stack's, not the manifest's.
pub const KEPT_IN_PLACE: &[(&str, &str)] = &[(LOAD_BALANCER, "Subnets"), (LOAD_BALANCER, "SecurityGroups")];

/// Properties that give a resource its physical name: a resource being replaced must not keep
/// the live one, or CloudFormation cannot create the new resource beside the old.
pub const PHYSICAL_NAMES: &[&str] = &["LoadBalancerName", "GroupName", "RoleName", "ServiceName"];

/// The properties the manifest decides among the replacement-only ones.
const DECIDED_BY_MANIFEST: &[(&str, &str)] = &[(LOAD_BALANCER, "Scheme")];

/// For a replacement-only `property` of a resource of type `kind`: what adoption does, and
/// why AWS replaces the resource to change it. `None` when it changes in place.
pub fn replacement_only(kind: &str, property: &str) -> Option<(Keep, String)> {
    let (_, properties) = REPLACING_PROPERTIES.iter().find(|(k, _)| *k == kind)?;
    if !properties.contains(&property) || is_revisioned(kind) {
        return None;
    }
    let keep = if DECIDED_BY_MANIFEST.contains(&(kind, property)) { Keep::Manifest } else { Keep::Live };
    let why = match kind {
        LOAD_BALANCER => {
            format!("a Classic ELB's {property} is set only at creation: a new balancer gets a new DNS name")
        }
        _ => format!("a {kind}'s {property} is set only at creation"),
    };
    Some((keep, why))
}

/// True for resources whose every change is a new version rather than a replacement to fear:
/// an ECS task definition is immutable, and the service rolls onto the new revision (which
/// `diff` reports as a revision).
pub fn is_revisioned(kind: &str) -> bool {
    kind == TASK_DEFINITION
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacement_only_properties_are_kept_unless_the_manifest_decides_them() {
        assert_eq!(replacement_only(LOAD_BALANCER, "LoadBalancerName").map(|r| r.0), Some(Keep::Live));
        assert_eq!(replacement_only(LOAD_BALANCER, "Scheme").map(|r| r.0), Some(Keep::Manifest));
        assert_eq!(replacement_only(LOAD_BALANCER, "Listeners"), None, "listeners change in place");
        assert_eq!(replacement_only("AWS::EC2::SecurityGroup", "VpcId").map(|r| r.0), Some(Keep::Live));
        assert_eq!(replacement_only("AWS::EC2::SecurityGroup", "LoadBalancerName"), None, "by type");
        assert!(replacement_only(LOAD_BALANCER, "Scheme").unwrap().1.contains("new DNS name"));
        assert!(is_revisioned("AWS::ECS::TaskDefinition"));
        assert!(!is_revisioned("AWS::ECS::Service"));
        assert_eq!(replacement_only("AWS::ECS::TaskDefinition", "Family"), None, "a new revision, not a replacement");
    }
}
