package gatewright.capabilities_test

import data.gatewright.capabilities.violation

pod(spec, labels, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns", "labels": labels},
	"spec": spec,
}}}

msgs(inp) := m if {
	m := {v.msg | some v in violation} with input as inp
}

caps(name, add, drop) := {"name": name, "securityContext": {"capabilities": {"add": add, "drop": drop}}}

baseline := {"allowedCapabilities": ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]}

restricted := {"allowedCapabilities": ["NET_BIND_SERVICE"], "requiredDropCapabilities": ["ALL"]}

test_add_outside_list_denied if {
	msgs(pod({"containers": [caps("c", ["CHOWN", "NET_RAW"], [])]}, {}, baseline)) == {`Pod ns/p, container "c": spec.containers[0].securityContext.capabilities.add[1] is NET_RAW; allowed: ["AUDIT_WRITE","CHOWN","DAC_OVERRIDE","FOWNER","FSETID","KILL","MKNOD","NET_BIND_SERVICE","SETFCAP","SETGID","SETPCAP","SETUID","SYS_CHROOT"]`}
}

test_comparison_is_exact if {
	count(msgs(pod({"containers": [caps("c", ["chown", "CAP_CHOWN"], [])]}, {}, baseline))) == 2
	count(msgs(pod({"containers": [caps("c", ["CHOWN"], [])]}, {}, baseline))) == 0
}

test_all_allows_any_addition if {
	count(msgs(pod({"containers": [caps("c", ["SYS_ADMIN"], [])]}, {}, {"allowedCapabilities": ["ALL"]}))) == 0
}

test_absent_list_allows_no_addition if {
	count(msgs(pod({"containers": [caps("c", ["CHOWN"], [])]}, {}, {}))) == 1
	count(msgs(pod({"containers": [{"name": "c"}]}, {}, {}))) == 0
}

test_drop_all_required if {
	inp := pod({"containers": [caps("c", ["NET_BIND_SERVICE"], ["ALL"])], "initContainers": [{"name": "i", "securityContext": {"capabilities": {}}}]}, {}, restricted)
	msgs(inp) == {`Pod ns/p, init container "i": spec.initContainers[0].securityContext.capabilities.drop is unset; must drop ["ALL"]`}
}

test_dropping_each_capability_is_not_all if {
	count(msgs(pod({"containers": [caps("c", [], ["NET_RAW", "SYS_ADMIN"])]}, {}, restricted))) == 1
	count(msgs(pod({"containers": [caps("c", [], ["all"])]}, {}, restricted))) == 1
}

test_named_required_drops if {
	params := {"allowedCapabilities": ["ALL"], "requiredDropCapabilities": ["NET_RAW", "MKNOD"]}
	msgs(pod({"ephemeralContainers": [caps("e", [], ["MKNOD"])]}, {}, params)) == {`Pod ns/p, ephemeral container "e": spec.ephemeralContainers[0].securityContext.capabilities.drop is ["MKNOD"]; must drop ["NET_RAW"]`}
	count(msgs(pod({"containers": [caps("c", [], ["ALL"])]}, {}, params))) == 0
	count(msgs(pod({"containers": [caps("c", [], ["MKNOD", "NET_RAW"])]}, {}, params))) == 0
}

test_windows_pod_exempt_from_drops_only if {
	count(msgs(pod({"os": {"name": "windows"}, "containers": [{"name": "c"}]}, {}, restricted))) == 0
	count(msgs(pod({"os": {"name": "windows"}, "containers": [caps("c", ["CHOWN"], [])]}, {}, restricted))) == 1
}

test_statefulset_template if {
	inp := {"parameters": restricted, "review": {"operation": "CREATE", "kind": {"kind": "StatefulSet"}, "object": {
		"kind": "StatefulSet",
		"metadata": {"name": "s", "namespace": "ns"},
		"spec": {"template": {"spec": {"containers": [caps("c", ["NET_BIND_SERVICE"], ["ALL"])]}}},
	}}}
	count(msgs(inp)) == 0
}

test_delete_skipped if {
	inp := json.patch(pod({"containers": [{"name": "c"}]}, {}, restricted), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(msgs(inp)) == 0
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {
	"net": {"spec": {"securityContext": {"capabilities": {"allowedValues": {"add": ["NET_ADMIN"], "drop": ["NET_RAW"]}}}}},
	"any": {"spec": {"securityContext": {"capabilities": {"allowedValues": {"add": ["ALL"], "drop": []}}}}},
	"default": {"spec": {"securityContext": {"capabilities": {"allowedValues": {"drop": ["all"]}}}}},
}}}}}

label(n) := {"security.deckhouse.io/security-policy-exception": n}

test_exception_admits_listed_additions_and_drops if {
	count(msgs(pod({"containers": [caps("c", ["NET_ADMIN", "NET_BIND_SERVICE"], ["NET_RAW"])]}, label("net"), restricted))) == 0 with data.inventory as spe
}

test_exception_does_not_admit_other_additions_or_missing_drops if {
	inp := pod({"containers": [caps("c", ["SYS_ADMIN"], ["MKNOD"])]}, label("net"), restricted)
	count(msgs(inp)) == 2 with data.inventory as spe
}

test_exception_all_and_empty_drop if {
	count(msgs(pod({"containers": [caps("c", ["SYS_ADMIN"], [])]}, label("any"), restricted))) == 0 with data.inventory as spe
}

test_exception_drop_default_all_is_case_insensitive if {
	params := {"allowedCapabilities": [], "requiredDropCapabilities": ["ALL"]}
	count(msgs(pod({"containers": [caps("c", [], ["all"])]}, label("default"), params))) == 0 with data.inventory as spe
	count(msgs(pod({"containers": [caps("c", [], [])]}, label("default"), params))) == 1 with data.inventory as spe
}

test_adding_all_needs_all_in_the_list if {
	count(msgs(pod({"containers": [caps("c", ["ALL"], [])]}, {}, baseline))) == 1
	count(msgs(pod({"containers": [caps("c", ["ALL"], [])]}, {}, {"allowedCapabilities": ["ALL"]}))) == 0
}
