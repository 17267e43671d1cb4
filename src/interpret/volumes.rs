//! `volumes:` of a service: named volumes become host directories under `/volumes/<app>/`, as
//! Convox mapped them; bind mounts and anonymous volumes have no place on a container
//! instance and are warned about.

use super::plan::VolumeMount;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::container::VolumeEntry;
use crate::source::Span;
use foldhash::{HashMap, HashMapExt};

/// The host directory of a named volume: `/volumes/<app>/<volume>`, shared by the app's
/// services that mount it on one instance (each instance has its own: data does not follow
/// a task to another instance).
pub fn host_path(app: &str, volume: &str) -> String {
    format!("/volumes/{app}/{volume}")
}

/// The task volume's name: ECS allows letters, digits, `-` and `_`.
fn task_volume_name(volume: &str) -> String {
    volume.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect()
}

/// The named volumes among a service's `volumes:` entries; bind mounts and anonymous volumes
/// are warned about and left out.
pub(super) fn read(app: &str, entries: &[VolumeEntry], diags: &mut Diagnostics) -> Vec<VolumeMount> {
    // Container paths looked up in a map, not by a scan per entry: 40,000 volumes took 5.9 s.
    let mut mounted_at: HashMap<&str, Span> = HashMap::new();
    let mut out: Vec<VolumeMount> = Vec::new();
    for VolumeEntry { source, target, read_only, span } in entries {
        // Any two entries at one path, bind mounts too, are refused by Docker ("duplicate mount
        // point"); keeping the first dropped the second silently. Targets are absolute (the
        // loader refuses others), and `/data/` is `/data`.
        let path = target.trim_end_matches('/');
        if let Some(first) = mounted_at.get(path) {
            diags.push(
                Diagnostic::error(Code::DuplicateMount, *span, format!("two volumes are mounted at `{target}`"))
                    .with_label("mounted again here")
                    .with_related(*first, "first mounted here")
                    .with_help(
                        "mount each volume at its own path: Compose refuses the file too (\"duplicate mount point\")",
                    ),
            );
            continue;
        }
        mounted_at.insert(path, *span);
        let named = !source.is_empty() && !source.starts_with(['.', '/', '~', '$']);
        if !named {
            let what = if source.is_empty() { "an anonymous volume" } else { "a bind mount of a host path" };
            diags.push(
                Diagnostic::warning(Code::UntranslatedKey, *span, format!("{what} has no counterpart on a container instance and is ignored"))
                    .with_label("ignored")
                    .with_help("name the volume (e.g. `data:/var/lib/data`) to get a directory under `/volumes/<app>/` on each instance, or bake the files into the image"),
            );
            continue;
        }
        out.push(VolumeMount {
            name: task_volume_name(source),
            host_path: host_path(app, source),
            container_path: target.clone(),
            read_only: *read_only,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_volumes_live_under_the_apps_directory() {
        assert_eq!(host_path("shop", "pgdata"), "/volumes/shop/pgdata");
        assert_eq!(task_volume_name("my.data"), "my-data");
    }
}
