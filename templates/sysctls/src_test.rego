package gatewright.sysctls_test

import data.gatewright.sysctls.violation

safe := ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_*"]

review(kind, obj, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": kind}, "object": obj}}

pod(sysctls, labels) := {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns", "labels": labels},
	"spec": {"containers": [{"name": "c"}], "securityContext": {"sysctls": sysctls}},
}

test_allowed_names_pass if {
	sysctls := [{"name": "kernel.shm_rmid_forced", "value": "1"}, {"name": "net.ipv4.tcp_rmem", "value": "4096"}]
	count(violation) == 0 with input as review("Pod", pod(sysctls, {}), {"allowedSysctls": safe})
}

test_unlisted_name_denied if {
	some v in violation with input as review("Pod", pod([{"name": "kernel.msgmax", "value": "1"}], {}), {"allowedSysctls": safe})
	v.msg == `Pod ns/p: spec.securityContext.sysctls[0].name is kernel.msgmax; allowed: ["kernel.shm_rmid_forced","net.ipv4.ip_local_port_range","net.ipv4.tcp_*"]`
	v.details == {"field": "spec.securityContext.sysctls[0].name", "actual": "kernel.msgmax", "allowed": safe}
}

test_forbidden_wins_over_allowed if {
	params := {"allowedSysctls": ["*"], "forbiddenSysctls": ["kernel.*"]}
	vs := violation with input as review("Pod", pod([{"name": "kernel.msgmax", "value": "1"}, {"name": "net.core.somaxconn", "value": "1"}], {}), params)
	count(vs) == 1
	some v in vs
	v.msg == `Pod ns/p: spec.securityContext.sysctls[0].name is kernel.msgmax; forbidden: ["kernel.*"]`
}

test_star_allows_everything if {
	count(violation) == 0 with input as review("Pod", pod([{"name": "vm.anything", "value": "1"}], {}), {"allowedSysctls": ["*"]})
}

test_absent_allowed_list_allows_all_but_forbidden if {
	count(violation) == 0 with input as review("Pod", pod([{"name": "vm.anything", "value": "1"}], {}), {"forbiddenSysctls": ["kernel.*"]})
	count(violation) == 1 with input as review("Pod", pod([{"name": "kernel.sem", "value": "1"}], {}), {"forbiddenSysctls": ["kernel.*"]})
}

test_empty_allowed_list_allows_none if {
	count(violation) == 1 with input as review("Pod", pod([{"name": "kernel.shm_rmid_forced", "value": "1"}], {}), {"allowedSysctls": []})
}

test_no_sysctls_pass if {
	obj := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {"containers": [{"name": "c"}]}}
	count(violation) == 0 with input as review("Pod", obj, {"allowedSysctls": []})
}

test_deployment_template_path if {
	obj := {"kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}, "spec": {"template": {"spec": {
		"containers": [{"name": "c"}],
		"securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}]},
	}}}}
	some v in violation with input as review("Deployment", obj, {"allowedSysctls": safe})
	startswith(v.msg, "Deployment ns/d: spec.template.spec.securityContext.sysctls[0].name is kernel.msgmax")
}

test_delete_skipped if {
	inp := json.patch(review("Pod", pod([{"name": "kernel.msgmax", "value": "1"}], {}), {"allowedSysctls": []}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(violation) == 0 with input as inp
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {
	"msgmax-8192": {"spec": {"securityContext": {"sysctls": {"allowedValues": [{"name": "kernel.msgmax", "value": "8192"}]}}}},
	"any-msgmax": {"spec": {"securityContext": {"sysctls": {"allowedValues": [{"name": "kernel.msgmax"}]}}}},
	"numeric": {"spec": {"securityContext": {"sysctls": {"allowedValues": [{"name": "kernel.msgmax", "value": 8192}]}}}},
}}}}}

label(name) := {"security.deckhouse.io/security-policy-exception": name}

test_exception_with_matching_value_admits if {
	obj := pod([{"name": "kernel.msgmax", "value": "8192"}], label("msgmax-8192"))
	count(violation) == 0 with input as review("Pod", obj, {"allowedSysctls": safe, "forbiddenSysctls": ["kernel.msg*"]})
		with data.inventory as spe
	count(violation) == 0 with input as review("Pod", pod([{"name": "kernel.msgmax", "value": "8192"}], label("numeric")), {"allowedSysctls": safe})
		with data.inventory as spe
}

test_exception_with_other_value_keeps_denial if {
	obj := pod([{"name": "kernel.msgmax", "value": "65536"}], label("msgmax-8192"))
	count(violation) == 1 with input as review("Pod", obj, {"allowedSysctls": safe}) with data.inventory as spe
}

test_exception_without_value_admits_any_value if {
	obj := pod([{"name": "kernel.msgmax", "value": "65536"}], label("any-msgmax"))
	count(violation) == 0 with input as review("Pod", obj, {"allowedSysctls": safe}) with data.inventory as spe
}

test_exception_for_other_name_keeps_denial if {
	obj := pod([{"name": "kernel.sem", "value": "1"}], label("any-msgmax"))
	count(violation) == 1 with input as review("Pod", obj, {"allowedSysctls": safe}) with data.inventory as spe
}
