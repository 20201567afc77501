package gatewright.host_paths

import data.lib.common
import data.lib.exception
import data.lib.message

allowed_paths := object.get(input, ["parameters", "allowedHostPaths"], [])

host_path_volumes contains {"index": i, "volume": v, "path": normalize(v.hostPath.path)} if {
	some i, v in object.get(common.pod_spec, "volumes", [])
	is_string(v.hostPath.path)
}

# No wildcards; trailing slashes do not count ("/" becomes "").
normalize(path) := trim_right(path, "/")

has_backstep(path) if ".." in split(path, "/")

under(path, prefix) if {
	prefix != ""
	not has_backstep(path)
	p := normalize(prefix)
	some ok in [path == p, startswith(path, concat("", [p, "/"]))]
	ok
}

# Allow-list entries that cover a volume: policy prefixes and the exception's exact paths.
covering(hv) := array.concat(
	[a | some a in allowed_paths; under(hv.path, a.pathPrefix)],
	[a | some a in exception.allowed(exception.for_pod, ["volumes", "hostPath", "allowedValues"], []); not has_backstep(hv.path); normalize(a.path) == hv.path],
)

# Every mount of the volume, with the container it belongs to.
mounts(name) := [{"entry": entry, "index": j, "mount": m} |
	some entry in common.containers
	some j, m in object.get(entry.container, "volumeMounts", [])
	m.name == name
]

writable_mounts(name) := [m | some m in mounts(name); not m.mount.readOnly == true]

satisfied(hv) if {
	some a in covering(hv)
	not a.readOnly == true
}

satisfied(hv) if {
	count(covering(hv)) > 0
	count(writable_mounts(hv.volume.name)) == 0
}

violation contains {"msg": msg, "details": message.details(field, hv.volume.hostPath.path, allowed_paths)} if {
	not common.is_delete
	some hv in host_path_volumes
	count(covering(hv)) == 0
	field := sprintf("%s.volumes[%d].hostPath.path", [common.spec_prefix, hv.index])
	msg := message.format(common.object_ref, field, hv.volume.hostPath.path, allowed_text)
}

violation contains {"msg": msg, "details": message.details(field, actual, true)} if {
	not common.is_delete
	some hv in host_path_volumes
	count(covering(hv)) > 0
	not satisfied(hv)
	some wm in writable_mounts(hv.volume.name)
	field := sprintf("%s.volumeMounts[%d].readOnly", [common.path(wm.entry), wm.index])
	actual := object.get(wm.mount, "readOnly", null)
	rule := sprintf("must be true: hostPath %s (volume %q) is allowed read-only only", [hv.volume.hostPath.path, hv.volume.name])
	msg := message.format_rule(common.container_subject(wm.entry), field, actual, rule)
}

allowed_text := "no host paths" if count(allowed_paths) == 0

else := concat(", ", [entry_text(a) | some a in allowed_paths])

entry_text(a) := sprintf("%s (read-only)", [a.pathPrefix]) if a.readOnly == true

else := a.pathPrefix
