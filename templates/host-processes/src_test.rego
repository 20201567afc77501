package gatewright.host_processes_test

import data.gatewright.host_processes.violation

pod(spec, labels, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns", "labels": labels},
	"spec": object.union({"containers": [{"name": "c"}]}, spec),
}}}

test_host_pid_denied_by_default if {
	msgs := {v.msg | some v in violation} with input as pod({"hostPID": true}, {}, {})
	msgs == {"Pod ns/p: spec.hostPID is true; allowed: false"}
}

test_host_ipc_denied_when_parameter_false if {
	msgs := {v.msg | some v in violation} with input as pod({"hostIPC": true}, {}, {"allowHostIPC": false, "allowHostPID": true})
	msgs == {"Pod ns/p: spec.hostIPC is true; allowed: false"}
}

test_both_denied if {
	count(violation) == 2 with input as pod({"hostIPC": true, "hostPID": true}, {}, {})
}

test_allowed_by_parameters if {
	count(violation) == 0 with input as pod({"hostIPC": true, "hostPID": true}, {}, {"allowHostIPC": true, "allowHostPID": true})
}

test_each_parameter_covers_only_its_field if {
	msgs := {v.msg | some v in violation} with input as pod({"hostIPC": true, "hostPID": true}, {}, {"allowHostPID": true})
	msgs == {"Pod ns/p: spec.hostIPC is true; allowed: false"}
}

test_false_and_unset_allowed if {
	count(violation) == 0 with input as pod({"hostIPC": false}, {}, {})
}

test_deployment_template if {
	inp := {"parameters": {}, "review": {"operation": "CREATE", "kind": {"kind": "Deployment"}, "object": {
		"kind": "Deployment",
		"metadata": {"name": "d", "namespace": "ns"},
		"spec": {"template": {"spec": {"hostPID": true, "containers": [{"name": "c"}]}}},
	}}}
	msgs := {v.msg | some v in violation} with input as inp
	msgs == {"Deployment ns/d: spec.template.spec.hostPID is true; allowed: false"}
}

test_delete_skipped if {
	inp := json.patch(pod({"hostPID": true}, {}, {}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(violation) == 0 with input as inp
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {
	"pid": {"spec": {"network": {"hostPID": {"allowedValue": true}}}},
	"no": {"spec": {"network": {"hostPID": {"allowedValue": false}, "hostIPC": {"allowedValue": false}}}},
}}}}}

label(n) := {"security.deckhouse.io/security-policy-exception": n}

test_exception_admits_only_its_field if {
	msgs := {v.msg | some v in violation} with input as pod({"hostIPC": true, "hostPID": true}, label("pid"), {})
		with data.inventory as spe
	msgs == {"Pod ns/p: spec.hostIPC is true; allowed: false"}
}

test_exception_false_does_not_relax if {
	count(violation) == 2 with input as pod({"hostIPC": true, "hostPID": true}, label("no"), {})
		with data.inventory as spe
}

test_missing_exception_does_not_relax if {
	count(violation) == 1 with input as pod({"hostPID": true}, label("absent"), {})
		with data.inventory as spe
}
