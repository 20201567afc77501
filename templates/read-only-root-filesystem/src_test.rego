package gatewright.read_only_root_filesystem_test

import data.gatewright.read_only_root_filesystem.violation

review(obj) := {"review": {"operation": "CREATE", "kind": {"kind": obj.kind}, "object": obj}}

pod(spec, labels) := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns", "labels": labels}, "spec": spec}

ro(name) := {"name": name, "securityContext": {"readOnlyRootFilesystem": true}}

rw(name) := {"name": name, "securityContext": {"readOnlyRootFilesystem": false}}

test_read_only_passes if {
	count(violation) == 0 with input as review(pod({"containers": [ro("a")], "initContainers": [ro("i")], "ephemeralContainers": [ro("e")]}, {}))
}

test_false_and_unset_denied if {
	vs := violation with input as review(pod({"containers": [rw("a"), {"name": "b"}]}, {}))
	{v.msg | some v in vs} == {
		`Pod ns/p, container "a": spec.containers[0].securityContext.readOnlyRootFilesystem is false; allowed: true`,
		`Pod ns/p, container "b": spec.containers[1].securityContext.readOnlyRootFilesystem is unset; allowed: true`,
	}
}

test_init_and_ephemeral_containers if {
	vs := violation with input as review(pod({"containers": [ro("a")], "initContainers": [{"name": "i"}], "ephemeralContainers": [rw("e")]}, {}))
	count(vs) == 2
}

test_deployment_template if {
	obj := {"kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}, "spec": {"template": {"spec": {"containers": [{"name": "app"}]}}}}
	some v in violation with input as review(obj)
	v.msg == `Deployment ns/d, container "app": spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem is unset; allowed: true`
}

test_windows_exempt if {
	count(violation) == 0 with input as review(pod({"os": {"name": "windows"}, "containers": [{"name": "a"}]}, {}))
}

test_delete_skipped if {
	inp := json.patch(review(pod({"containers": [rw("a")]}, {})), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(violation) == 0 with input as inp
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {
	"writable": {"spec": {"securityContext": {"readOnlyRootFilesystem": {"allowedValue": false}}}},
	"read-only": {"spec": {"securityContext": {"readOnlyRootFilesystem": {"allowedValue": true}}}},
}}}}}

test_exception_admits_false_and_unset if {
	obj := pod({"containers": [rw("a"), {"name": "b"}]}, {"security.deckhouse.io/security-policy-exception": "writable"})
	count(violation) == 0 with input as review(obj) with data.inventory as spe
}

test_exception_that_does_not_match_keeps_denial if {
	obj := pod({"containers": [rw("a")]}, {"security.deckhouse.io/security-policy-exception": "read-only"})
	count(violation) == 1 with input as review(obj) with data.inventory as spe
}
