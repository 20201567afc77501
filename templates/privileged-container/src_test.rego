package gatewright.privileged_container_test

import data.gatewright.privileged_container.violation

pod(containers, labels) := {"review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns", "labels": labels},
	"spec": {"containers": containers},
}}}

privileged := {"name": "c", "securityContext": {"privileged": true}}

test_privileged_denied if {
	some v in violation with input as pod([privileged], {})
	v.msg == `Pod ns/p, container "c": spec.containers[0].securityContext.privileged is true; allowed: false`
}

test_unprivileged_and_unset_allowed if {
	count(violation) == 0 with input as pod([{"name": "a", "securityContext": {"privileged": false}}, {"name": "b"}], {})
}

test_delete_skipped if {
	inp := json.patch(pod([privileged], {}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(violation) == 0 with input as inp
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {
	"allow": {"spec": {"securityContext": {"privileged": {"allowedValue": true}}}},
	"deny": {"spec": {"securityContext": {"privileged": {"allowedValue": false}}}},
}}}}}

test_exception_admits if {
	count(violation) == 0 with input as pod([privileged], {"security.deckhouse.io/security-policy-exception": "allow"})
		with data.inventory as spe
}

test_exception_that_does_not_match_keeps_denial if {
	count(violation) == 1 with input as pod([privileged], {"security.deckhouse.io/security-policy-exception": "deny"})
		with data.inventory as spe
}

test_many_privileged_containers_reported_four_times_with_the_count if {
	containers := [{"name": sprintf("c%d", [i]), "securityContext": {"privileged": true}} | some i in numbers.range(0, 9)]
	obj := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {"containers": containers}}
	vs := violation with input as {"review": {"kind": {"kind": "Pod"}, "operation": "CREATE", "object": obj}, "parameters": {}}
	msgs := {v.msg | some v in vs}
	msgs == {
		`Pod ns/p, container "c0": spec.containers[0].securityContext.privileged is true; allowed: false`,
		`Pod ns/p, container "c1": spec.containers[1].securityContext.privileged is true; allowed: false`,
		`Pod ns/p, container "c2": spec.containers[2].securityContext.privileged is true; allowed: false`,
		`Pod ns/p, container "c3": spec.containers[3].securityContext.privileged is true; allowed: false (and 6 more)`,
	}
}
