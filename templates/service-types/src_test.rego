package gatewright.service_types_test

import data.gatewright.service_types.violation

review(spec, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": "Service"}, "object": {
	"kind": "Service",
	"metadata": {"name": "s", "namespace": "ns"},
	"spec": spec,
}}}

params := {"allowedServiceTypes": ["ClusterIP", "LoadBalancer"]}

test_allowed_types if {
	count(violation) == 0 with input as review({"type": "LoadBalancer"}, params)
	count(violation) == 0 with input as review({}, params)
}

test_disallowed_type if {
	some v in violation with input as review({"type": "NodePort"}, params)
	v.msg == `Service ns/s: spec.type is NodePort; allowed: ["ClusterIP","LoadBalancer"]`
	v.details == {"field": "spec.type", "actual": "NodePort", "allowed": ["ClusterIP", "LoadBalancer"]}
}

test_unset_type_is_cluster_ip if {
	some v in violation with input as review({"ports": [{"port": 80}]}, {"allowedServiceTypes": ["NodePort"]})
	v.msg == `Service ns/s: spec.type is ClusterIP; allowed: ["NodePort"]`
}

test_absent_parameter_denies_all if {
	count(violation) == 1 with input as review({}, {})
}

test_other_kinds_and_delete_skipped if {
	count(violation) == 0 with input as {"parameters": {}, "review": {"operation": "CREATE", "kind": {"kind": "ConfigMap"}, "object": {"kind": "ConfigMap", "metadata": {"name": "c"}}}}
	inp := json.patch(review({"type": "NodePort"}, params), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(violation) == 0 with input as inp
}
