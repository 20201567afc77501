package gatewright.privilege_escalation_test

import data.gatewright.privilege_escalation.violation

pod(spec, labels) := {"review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns", "labels": labels},
	"spec": spec,
}}}

msgs(inp) := m if {
	m := {v.msg | some v in violation} with input as inp
}

safe(name) := {"name": name, "securityContext": {"allowPrivilegeEscalation": false}}

test_unset_denied if {
	msgs(pod({"containers": [{"name": "c"}]}, {})) == {`Pod ns/p, container "c": spec.containers[0].securityContext.allowPrivilegeEscalation is unset; allowed: false`}
}

test_true_denied_in_init_container if {
	spec := {"containers": [safe("c")], "initContainers": [{"name": "i", "securityContext": {"allowPrivilegeEscalation": true}}]}
	msgs(pod(spec, {})) == {`Pod ns/p, init container "i": spec.initContainers[0].securityContext.allowPrivilegeEscalation is true; allowed: false`}
}

test_ephemeral_container_checked if {
	spec := {"containers": [safe("c")], "ephemeralContainers": [{"name": "e", "securityContext": {}}]}
	count(msgs(pod(spec, {}))) == 1
}

test_explicit_false_allowed if {
	count(msgs(pod({"containers": [safe("a"), safe("b")], "initContainers": [safe("i")]}, {}))) == 0
}

test_windows_pod_exempt if {
	count(msgs(pod({"os": {"name": "windows"}, "containers": [{"name": "c"}]}, {}))) == 0
	count(msgs(pod({"os": {"name": "linux"}, "containers": [{"name": "c"}]}, {}))) == 1
}

test_cronjob_template if {
	inp := {"review": {"operation": "CREATE", "kind": {"kind": "CronJob"}, "object": {
		"kind": "CronJob",
		"metadata": {"name": "j", "namespace": "ns"},
		"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}},
	}}}
	msgs(inp) == {`CronJob ns/j, container "c": spec.jobTemplate.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation is unset; allowed: false`}
}

test_delete_skipped if {
	inp := json.patch(pod({"containers": [{"name": "c"}]}, {}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(msgs(inp)) == 0
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {
	"yes": {"spec": {"securityContext": {"allowPrivilegeEscalation": {"allowedValue": true}}}},
	"no": {"spec": {"securityContext": {"allowPrivilegeEscalation": {"allowedValue": false}}}},
}}}}}

test_exception_admits if {
	inp := pod({"containers": [{"name": "c", "securityContext": {"allowPrivilegeEscalation": true}}, {"name": "d"}]}, {"security.deckhouse.io/security-policy-exception": "yes"})
	count(msgs(inp)) == 0 with data.inventory as spe
}

test_exception_false_does_not_relax if {
	inp := pod({"containers": [{"name": "c"}]}, {"security.deckhouse.io/security-policy-exception": "no"})
	count(msgs(inp)) == 1 with data.inventory as spe
}

test_per_container_exception if {
	labels := {"security.deckhouse.io/security-policy-exception.container.d": "yes"}
	inp := pod({"containers": [{"name": "c"}, {"name": "d"}]}, labels)
	msgs(inp) == {`Pod ns/p, container "c": spec.containers[0].securityContext.allowPrivilegeEscalation is unset; allowed: false`} with data.inventory as spe
}
