package gatewright.selinux_test

import data.gatewright.selinux.violation

pss_baseline := [
	{"type": "", "level": "*"},
	{"type": "container_t", "level": "*"},
	{"type": "container_init_t", "level": "*"},
	{"type": "container_kvm_t", "level": "*"},
	{"type": "container_engine_t", "level": "*"},
]

dvp_baseline := [{"type": ""}, {"type": "container_t"}, {"type": "container_init_t"}, {"type": "container_kvm_t"}, {"type": "container_engine_t"}]

review(obj, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": obj.kind}, "object": obj}}

pod(pod_opts, containers, labels) := {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns", "labels": labels},
	"spec": {"securityContext": {"seLinuxOptions": pod_opts}, "containers": containers},
}

c(name, opts) := {"name": name, "securityContext": {"seLinuxOptions": opts}}

test_pss_baseline_any_level if {
	obj := pod({"type": "container_t"}, [c("a", {"type": "container_init_t", "level": "s0:c1,c2"}), c("b", {})], {})
	count(violation) == 0 with input as review(obj, {"allowedSELinuxOptions": pss_baseline})
	count(violation) == 0 with input as review(pod({"level": "s0"}, [], {}), {"allowedSELinuxOptions": pss_baseline})
}

test_pss_baseline_rejects_other_type_user_role if {
	some v in violation with input as review(pod({"type": "spc_t"}, [], {}), {"allowedSELinuxOptions": pss_baseline})
	startswith(v.msg, `Pod ns/p: spec.securityContext.seLinuxOptions is {"type":"spc_t"}; allowed: [`)
	v.details.actual == {"type": "spc_t"}
	count(violation) == 1 with input as review(pod({"user": "system_u"}, [], {}), {"allowedSELinuxOptions": pss_baseline})
	count(violation) == 1 with input as review(pod({"role": "system_r", "type": "container_t"}, [], {}), {"allowedSELinuxOptions": pss_baseline})
}

test_dvp_entries_without_star_require_empty_level if {
	count(violation) == 1 with input as review(pod({"type": "container_t", "level": "s0"}, [], {}), {"allowedSELinuxOptions": dvp_baseline})
	count(violation) == 0 with input as review(pod({"type": "container_t"}, [], {}), {"allowedSELinuxOptions": dvp_baseline})
}

test_all_fields_must_match_one_entry if {
	entries := [{"type": "a_t", "level": "s0"}, {"type": "b_t", "level": "s1"}]
	count(violation) == 0 with input as review(pod({"type": "a_t", "level": "s0"}, [], {}), {"allowedSELinuxOptions": entries})
	count(violation) == 1 with input as review(pod({"type": "a_t", "level": "s1"}, [], {}), {"allowedSELinuxOptions": entries})
}

test_container_kinds_and_paths if {
	obj := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {
		"containers": [c("app", {}), c("side", {"type": "spc_t"})],
		"initContainers": [c("init", {"user": "root"})],
		"ephemeralContainers": [c("dbg", {"role": "r"})],
	}}
	msgs := {v.msg | some v in violation} with input as review(obj, {"allowedSELinuxOptions": pss_baseline})
	count(msgs) == 3
	some m1 in msgs
	startswith(m1, `Pod ns/p, container "side": spec.containers[1].securityContext.seLinuxOptions is {"type":"spc_t"}`)
	some m2 in msgs
	startswith(m2, `Pod ns/p, init container "init": spec.initContainers[0].securityContext.seLinuxOptions is {"user":"root"}`)
	some m3 in msgs
	startswith(m3, `Pod ns/p, ephemeral container "dbg": spec.ephemeralContainers[0]`)
}

test_empty_options_pass_even_without_entries if {
	count(violation) == 0 with input as review(pod({"type": ""}, [c("a", {})], {}), {})
	count(violation) == 1 with input as review(pod({"type": "container_t"}, [], {}), {})
}

test_deployment_template if {
	obj := {"kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}, "spec": {"template": {"spec": {"containers": [c("app", {"type": "spc_t"})]}}}}
	some v in violation with input as review(obj, {"allowedSELinuxOptions": pss_baseline})
	startswith(v.msg, `Deployment ns/d, container "app": spec.template.spec.containers[0].securityContext.seLinuxOptions`)
}

test_delete_skipped if {
	inp := json.patch(review(pod({"type": "spc_t"}, [], {}), {}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(violation) == 0 with input as inp
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {
	"spc": {"spec": {"securityContext": {"seLinuxOptions": {"allowedValues": [{"type": "spc_t"}]}}}},
	"other": {"spec": {"securityContext": {"seLinuxOptions": {"allowedValues": [{"type": "other_t"}]}}}},
}}}}}

test_exception_admits_pod_and_container_levels if {
	obj := pod({"type": "spc_t"}, [c("a", {"type": "spc_t"})], {"security.deckhouse.io/security-policy-exception": "spc"})
	count(violation) == 0 with input as review(obj, {"allowedSELinuxOptions": pss_baseline}) with data.inventory as spe
}

test_container_exception_only_covers_its_container if {
	labels := {"security.deckhouse.io/security-policy-exception.container.a": "spc"}
	obj := pod({"type": "spc_t"}, [c("a", {"type": "spc_t"})], labels)
	vs := violation with input as review(obj, {"allowedSELinuxOptions": pss_baseline}) with data.inventory as spe
	count(vs) == 1
	some v in vs
	startswith(v.msg, "Pod ns/p: spec.securityContext.seLinuxOptions")
}

test_exception_that_does_not_match_keeps_denial if {
	obj := pod({"type": "spc_t"}, [], {"security.deckhouse.io/security-policy-exception": "other"})
	count(violation) == 1 with input as review(obj, {"allowedSELinuxOptions": pss_baseline}) with data.inventory as spe
}
