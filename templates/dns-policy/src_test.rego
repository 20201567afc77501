package gatewright.dns_policy_test

import data.gatewright.dns_policy.violation

inp(spec) := {"review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": spec}}}

test_host_network_with_right_policy if {
	count(violation) == 0 with input as inp({"hostNetwork": true, "dnsPolicy": "ClusterFirstWithHostNet"})
}

test_host_network_unset_policy if {
	some v in violation with input as inp({"hostNetwork": true})
	v.msg == "Pod ns/p: spec.dnsPolicy is unset (defaults to ClusterFirst); a hostNetwork pod must use ClusterFirstWithHostNet"
}

test_host_network_other_policy if {
	some v in violation with input as inp({"hostNetwork": true, "dnsPolicy": "Default"})
	v.msg == "Pod ns/p: spec.dnsPolicy is Default; a hostNetwork pod must use ClusterFirstWithHostNet"
}

test_no_host_network_any_policy if {
	count(violation) == 0 with input as inp({"dnsPolicy": "Default"})
	count(violation) == 0 with input as inp({"hostNetwork": false})
}

test_delete_skipped if {
	count(violation) == 0 with input as json.patch(inp({"hostNetwork": true}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
