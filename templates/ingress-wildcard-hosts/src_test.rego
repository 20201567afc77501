package gatewright.ingress_wildcard_hosts_test

import data.gatewright.ingress_wildcard_hosts.violation

review(spec, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": "Ingress"}, "object": {
	"kind": "Ingress",
	"metadata": {"name": "i", "namespace": "ns"},
	"spec": spec,
}}}

rules(hosts) := {"rules": [{"host": h} | some h in hosts]}

test_named_hosts_pass if {
	count(violation) == 0 with input as review(rules(["a.example.com", "b.example.com"]), {})
	count(violation) == 0 with input as review({"rules": [{"http": {}}]}, {})
}

test_wildcard_host_denied_by_default if {
	some v in violation with input as review(rules(["a.example.com", "*.example.com"]), {})
	v.msg == "Ingress ns/i: spec.rules[1].host is *.example.com; wildcard hosts are not allowed"
	v.details == {"field": "spec.rules[1].host", "actual": "*.example.com", "allowed": "wildcard hosts are not allowed"}
	count(violation) == 1 with input as review(rules(["*.example.com"]), {"blockWildcardDomains": true})
}

test_disabled if {
	count(violation) == 0 with input as review(rules(["*.example.com"]), {"blockWildcardDomains": false})
}

test_tls_hosts_not_checked if {
	spec := {"tls": [{"hosts": ["*.example.com"], "secretName": "wildcard"}], "rules": [{"host": "a.example.com"}]}
	count(violation) == 0 with input as review(spec, {})
}

test_other_kinds_and_delete_skipped if {
	count(violation) == 0 with input as {"parameters": {}, "review": {"operation": "CREATE", "kind": {"kind": "Service"}, "object": {"kind": "Service", "metadata": {"name": "s"}, "spec": {"rules": [{"host": "*"}]}}}}
	inp := json.patch(review(rules(["*.example.com"]), {}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(violation) == 0 with input as inp
}
