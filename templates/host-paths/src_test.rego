package gatewright.host_paths_test

import data.gatewright.host_paths.violation

pod(spec, labels, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns", "labels": labels},
	"spec": spec,
}}}

msgs(inp) := m if {
	m := {v.msg | some v in violation} with input as inp
}

hp(name, path) := {"name": name, "hostPath": {"path": path}}

with_volume(path) := {"volumes": [hp("v", path)], "containers": [{"name": "c", "volumeMounts": [{"name": "v", "mountPath": "/m", "readOnly": true}]}]}

params := {"allowedHostPaths": [{"pathPrefix": "/foo"}, {"pathPrefix": "/dev/", "readOnly": true}]}

test_empty_list_denies_every_host_path if {
	spec := {"volumes": [{"name": "e", "emptyDir": {}}, hp("h", "/a")], "containers": [{"name": "c"}]}
	msgs(pod(spec, {}, {})) == {"Pod ns/p: spec.volumes[1].hostPath.path is /a; allowed: no host paths"}
	count(msgs(pod(spec, {}, {"allowedHostPaths": []}))) == 1
}

test_prefix_matches_whole_segments if {
	count(msgs(pod(with_volume("/foo"), {}, params))) == 0
	count(msgs(pod(with_volume("/foo/"), {}, params))) == 0
	count(msgs(pod(with_volume("/foo/bar/baz"), {}, params))) == 0
	spec := {"volumes": [hp("v", "/food")], "containers": [{"name": "c", "volumeMounts": [{"name": "v", "mountPath": "/m"}]}]}
	msgs(pod(spec, {}, params)) == {"Pod ns/p: spec.volumes[0].hostPath.path is /food; allowed: /foo, /dev/ (read-only)"}
	count(msgs(pod(with_volume("/fo"), {}, params))) == 1
}

test_backsteps_match_nothing if {
	count(msgs(pod(with_volume("/foo/../etc"), {}, params))) == 1
	count(msgs(pod(with_volume("/foo/.."), {}, params))) == 1
}

test_root_prefix_allows_everything_and_empty_prefix_nothing if {
	count(msgs(pod(with_volume("/etc/kubernetes"), {}, {"allowedHostPaths": [{"pathPrefix": "/"}]}))) == 0
	count(msgs(pod(with_volume("/"), {}, {"allowedHostPaths": [{"pathPrefix": "/"}]}))) == 0
	count(msgs(pod(with_volume("/etc"), {}, {"allowedHostPaths": [{"pathPrefix": ""}]}))) == 1
}

test_read_only_prefix_requires_every_mount_read_only if {
	spec := {
		"volumes": [hp("dev", "/dev/fuse")],
		"containers": [{"name": "c", "volumeMounts": [{"name": "dev", "mountPath": "/dev/fuse", "readOnly": true}]}, {"name": "d", "volumeMounts": [{"name": "dev", "mountPath": "/x"}]}],
		"initContainers": [{"name": "i", "volumeMounts": [{"name": "dev", "mountPath": "/x", "readOnly": false}]}],
	}
	msgs(pod(spec, {}, params)) == {
		`Pod ns/p, container "d": spec.containers[1].volumeMounts[0].readOnly is unset; must be true: hostPath /dev/fuse (volume "dev") is allowed read-only only`,
		`Pod ns/p, init container "i": spec.initContainers[0].volumeMounts[0].readOnly is false; must be true: hostPath /dev/fuse (volume "dev") is allowed read-only only`,
	}
	count(msgs(pod(with_volume("/dev/fuse"), {}, params))) == 0
}

test_writable_entry_wins_over_read_only_entry if {
	p := {"allowedHostPaths": [{"pathPrefix": "/var", "readOnly": true}, {"pathPrefix": "/var/log"}]}
	spec := {"volumes": [hp("v", "/var/log/app")], "ephemeralContainers": [{"name": "e", "volumeMounts": [{"name": "v", "mountPath": "/m"}]}]}
	count(msgs(pod(spec, {}, p))) == 0
	spec2 := {"volumes": [hp("v", "/var/lib")], "ephemeralContainers": [{"name": "e", "volumeMounts": [{"name": "v", "mountPath": "/m"}]}]}
	msgs(pod(spec2, {}, p)) == {`Pod ns/p, ephemeral container "e": spec.ephemeralContainers[0].volumeMounts[0].readOnly is unset; must be true: hostPath /var/lib (volume "v") is allowed read-only only`}
}

test_replicationcontroller_template if {
	inp := {"parameters": {}, "review": {"operation": "CREATE", "kind": {"kind": "ReplicationController"}, "object": {
		"kind": "ReplicationController",
		"metadata": {"name": "r", "namespace": "ns"},
		"spec": {"template": {"spec": with_volume("/srv")}},
	}}}
	msgs(inp) == {"ReplicationController ns/r: spec.template.spec.volumes[0].hostPath.path is /srv; allowed: no host paths"}
}

test_delete_skipped if {
	inp := json.patch(pod(with_volume("/a"), {}, {}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(msgs(inp)) == 0
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {"logs": {"spec": {"volumes": {"hostPath": {"allowedValues": [
	{"path": "/var/log/"},
	{"path": "/etc/ssl", "readOnly": true},
]}}}}}}}}}

label := {"security.deckhouse.io/security-policy-exception": "logs"}

test_exception_admits_exact_path if {
	count(msgs(pod(with_volume("/var/log"), label, {}))) == 0 with data.inventory as spe
}

test_exception_path_is_exact if {
	count(msgs(pod(with_volume("/var/log/pods"), label, {}))) == 1 with data.inventory as spe
	count(msgs(pod(with_volume("/var"), label, {}))) == 1 with data.inventory as spe
}

test_exception_read_only if {
	count(msgs(pod(with_volume("/etc/ssl"), label, {}))) == 0 with data.inventory as spe
	spec := {"volumes": [hp("v", "/etc/ssl")], "containers": [{"name": "c", "volumeMounts": [{"name": "v", "mountPath": "/m"}]}]}
	count(msgs(pod(spec, label, {}))) == 1 with data.inventory as spe
}
