package gatewright.proc_mount_test

import data.gatewright.proc_mount.violation

pod(spec, labels, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns", "labels": labels},
	"spec": spec,
}}}

msgs(inp) := m if {
	m := {v.msg | some v in violation} with input as inp
}

pm(name, v) := {"name": name, "securityContext": {"procMount": v}}

test_unmasked_denied_by_default if {
	msgs(pod({"containers": [pm("c", "Unmasked")]}, {}, {})) == {`Pod ns/p, container "c": spec.containers[0].securityContext.procMount is Unmasked; allowed: ["Default"]`}
	count(msgs(pod({"initContainers": [pm("i", "Unmasked")]}, {}, {"allowedProcMount": "Default"}))) == 1
}

test_default_unset_and_null_allowed if {
	count(msgs(pod({"containers": [pm("a", "Default"), {"name": "b"}, pm("c", null)]}, {}, {}))) == 0
}

test_unmasked_parameter_allows_both_only if {
	count(msgs(pod({"containers": [pm("a", "Default"), pm("b", "Unmasked")]}, {}, {"allowedProcMount": "Unmasked"}))) == 0
	count(msgs(pod({"ephemeralContainers": [pm("e", "Bogus")]}, {}, {"allowedProcMount": "Unmasked"}))) == 1
}

test_unknown_parameter_value_means_default if {
	count(msgs(pod({"containers": [pm("b", "Unmasked")]}, {}, {"allowedProcMount": "Anything"}))) == 1
}

test_user_namespace_relaxation_only_when_enabled if {
	spec := {"hostUsers": false, "containers": [pm("c", "Unmasked")]}
	count(msgs(pod(spec, {}, {"allowAnyInUserNamespace": true}))) == 0
	count(msgs(pod(spec, {}, {"allowAnyInUserNamespace": false}))) == 1
	count(msgs(pod(spec, {}, {}))) == 1
	count(msgs(pod({"hostUsers": true, "containers": [pm("c", "Unmasked")]}, {}, {"allowAnyInUserNamespace": true}))) == 1
	count(msgs(pod({"containers": [pm("c", "Unmasked")]}, {}, {"allowAnyInUserNamespace": true}))) == 1
}

test_statefulset_template if {
	inp := {"parameters": {}, "review": {"operation": "CREATE", "kind": {"kind": "StatefulSet"}, "object": {
		"kind": "StatefulSet",
		"metadata": {"name": "s", "namespace": "ns"},
		"spec": {"template": {"spec": {"containers": [pm("c", "Unmasked")]}}},
	}}}
	msgs(inp) == {`StatefulSet ns/s, container "c": spec.template.spec.containers[0].securityContext.procMount is Unmasked; allowed: ["Default"]`}
}

test_delete_skipped if {
	inp := json.patch(pod({"containers": [pm("c", "Unmasked")]}, {}, {}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(msgs(inp)) == 0
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {
	"unmasked": {"spec": {"securityContext": {"procMount": {"allowedValues": ["Unmasked"]}}}},
	"default": {"spec": {"securityContext": {"procMount": {"allowedValues": ["Default"]}}}},
}}}}}

test_exception_admits_listed_value if {
	count(msgs(pod({"containers": [pm("c", "Unmasked")]}, {"security.deckhouse.io/security-policy-exception": "unmasked"}, {}))) == 0 with data.inventory as spe
}

test_exception_with_other_value_does_not_relax if {
	count(msgs(pod({"containers": [pm("c", "Unmasked")]}, {"security.deckhouse.io/security-policy-exception": "default"}, {}))) == 1 with data.inventory as spe
}
