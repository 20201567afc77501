package gatewright.seccomp_test

import data.gatewright.seccomp.violation

baseline := {"allowedProfiles": ["RuntimeDefault", "Localhost", "", "undefined"], "allowedLocalhostFiles": ["*"]}

restricted := {"allowedProfiles": ["RuntimeDefault", "Localhost"], "allowedLocalhostFiles": ["*"]}

review(obj, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": obj.kind}, "object": obj}}

pod(pod_sc, containers, annotations, labels) := {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns", "labels": labels, "annotations": annotations},
	"spec": {"securityContext": pod_sc, "containers": containers},
}

c(name, sp) := {"name": name, "securityContext": {"seccompProfile": sp}}

bare(name) := {"name": name}

test_baseline_admits_unset_runtime_default_localhost if {
	obj := pod({}, [bare("a"), c("b", {"type": "RuntimeDefault"}), c("c", {"type": "Localhost", "localhostProfile": "x.json"})], {}, {})
	count(violation) == 0 with input as review(obj, baseline)
}

test_baseline_denies_unconfined_on_pod if {
	obj := pod({"seccompProfile": {"type": "Unconfined"}}, [bare("a"), bare("b")], {}, {})
	vs := violation with input as review(obj, baseline)
	count(vs) == 2
	some v in vs
	v.msg == `Pod ns/p, container "a": spec.securityContext.seccompProfile is Unconfined; allowed: ["RuntimeDefault","Localhost","","undefined"]`
	v.details.actual == "Unconfined"
}

test_container_field_overrides_pod_field if {
	obj := pod({"seccompProfile": {"type": "Unconfined"}}, [c("a", {"type": "RuntimeDefault"})], {}, {})
	count(violation) == 0 with input as review(obj, baseline)
	obj2 := pod({"seccompProfile": {"type": "RuntimeDefault"}}, [c("a", {"type": "Unconfined"})], {}, {})
	some v in violation with input as review(obj2, baseline)
	startswith(v.msg, `Pod ns/p, container "a": spec.containers[0].securityContext.seccompProfile is Unconfined`)
}

test_restricted_requires_a_profile if {
	obj := pod({}, [c("a", {"type": "RuntimeDefault"}), bare("b")], {}, {})
	vs := violation with input as review(obj, restricted)
	count(vs) == 1
	some v in vs
	v.msg == `Pod ns/p, container "b": spec.containers[1].securityContext.seccompProfile is unset; allowed: ["RuntimeDefault","Localhost"]`
}

test_windows_pod_may_leave_the_profile_unset if {
	obj := object.union(pod({}, [bare("a")], {}, {}), {"spec": {"os": {"name": "windows"}}})
	count(violation) == 0 with input as review(obj, restricted)
	win_unconfined := object.union(obj, {"spec": {"securityContext": {"seccompProfile": {"type": "Unconfined"}}}})
	count(violation) == 1 with input as review(win_unconfined, baseline)
	# The restricted set stands in for the baseline one in a restricted namespace, so a profile that is set is
	# still judged on a Windows pod: only the requirement to set one is waived.
	count(violation) == 1 with input as review(win_unconfined, restricted)
}

test_annotations_used_when_fields_unset if {
	ann := {"container.seccomp.security.alpha.kubernetes.io/a": "unconfined", "seccomp.security.alpha.kubernetes.io/pod": "docker/default"}
	obj := pod({}, [bare("a"), bare("b")], ann, {})
	vs := violation with input as review(obj, baseline)
	count(vs) == 1
	some v in vs
	v.msg == `Pod ns/p, container "a": metadata.annotations["container.seccomp.security.alpha.kubernetes.io/a"] is unconfined; allowed: ["RuntimeDefault","Localhost","","undefined"]`
}

test_pod_field_wins_over_container_annotation if {
	ann := {"container.seccomp.security.alpha.kubernetes.io/a": "unconfined"}
	obj := pod({"seccompProfile": {"type": "RuntimeDefault"}}, [bare("a")], ann, {})
	count(violation) == 0 with input as review(obj, restricted)
}

test_synonyms_in_allowed_list if {
	obj := pod({}, [c("a", {"type": "RuntimeDefault"}), bare("b")], {"container.seccomp.security.alpha.kubernetes.io/b": "runtime/default"}, {})
	count(violation) == 0 with input as review(obj, {"allowedProfiles": ["docker/default"]})
	unconf := pod({}, [c("a", {"type": "Unconfined"})], {}, {})
	count(violation) == 0 with input as review(unconf, {"allowedProfiles": ["unconfined"]})
}

test_localhost_files if {
	params := {"allowedProfiles": ["Localhost"], "allowedLocalhostFiles": ["profiles/*.json"]}
	ok := pod({}, [c("a", {"type": "Localhost", "localhostProfile": "profiles/app.json"})], {}, {})
	count(violation) == 0 with input as review(ok, params)
	bad := pod({}, [c("a", {"type": "Localhost", "localhostProfile": "other/app.json"})], {}, {})
	some v in violation with input as review(bad, params)
	v.msg == `Pod ns/p, container "a": spec.containers[0].securityContext.seccompProfile is localhost/other/app.json; allowed: ["Localhost"] with allowedLocalhostFiles ["profiles/*.json"]`
	count(violation) == 1 with input as review(bad, {"allowedProfiles": ["Localhost"]})
}

test_localhost_glob_in_allowed_profiles if {
	obj := pod({}, [bare("a")], {"seccomp.security.alpha.kubernetes.io/pod": "localhost/prof/a.json"}, {})
	count(violation) == 0 with input as review(obj, {"allowedProfiles": ["localhost/prof/*"]})
	count(violation) == 1 with input as review(obj, {"allowedProfiles": ["localhost/other/*"]})
}

test_star_and_absent_parameters if {
	obj := pod({"seccompProfile": {"type": "Unconfined"}}, [bare("a")], {}, {})
	count(violation) == 0 with input as review(obj, {"allowedProfiles": ["*"]})
	count(violation) == 1 with input as review(obj, {})
	count(violation) == 1 with input as review(pod({}, [bare("a")], {}, {}), {})
}

test_containers_of_every_kind if {
	obj := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {
		"containers": [c("app", {"type": "RuntimeDefault"})],
		"initContainers": [bare("init")],
		"ephemeralContainers": [bare("dbg")],
	}}
	msgs := {v.msg | some v in violation} with input as review(obj, restricted)
	msgs == {
		`Pod ns/p, init container "init": spec.initContainers[0].securityContext.seccompProfile is unset; allowed: ["RuntimeDefault","Localhost"]`,
		`Pod ns/p, ephemeral container "dbg": spec.ephemeralContainers[0].securityContext.seccompProfile is unset; allowed: ["RuntimeDefault","Localhost"]`,
	}
}

test_deployment_template_annotations_path if {
	obj := {"kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}, "spec": {"template": {
		"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}},
		"spec": {"containers": [bare("app")]},
	}}}
	some v in violation with input as review(obj, restricted)
	startswith(v.msg, `Deployment ns/d, container "app": spec.template.metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"] is unconfined`)
}

test_delete_skipped if {
	inp := json.patch(review(pod({}, [bare("a")], {}, {}), restricted), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(violation) == 0 with input as inp
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {
	"unconfined": {"spec": {"securityContext": {"seccompProfile": {"allowedValues": ["Unconfined"]}}}},
	"local": {"spec": {"securityContext": {"seccompProfile": {"allowedValues": ["Localhost"]}}}},
	"unset": {"spec": {"securityContext": {"seccompProfile": {"allowedValues": ["undefined"]}}}},
}}}}}

label(name) := {"security.deckhouse.io/security-policy-exception": name}

test_exception_admits_matching_profile if {
	obj := pod({"seccompProfile": {"type": "Unconfined"}}, [bare("a")], {}, label("unconfined"))
	count(violation) == 0 with input as review(obj, restricted) with data.inventory as spe
	count(violation) == 0 with input as review(pod({}, [bare("a")], {}, label("unset")), restricted) with data.inventory as spe
	lh := pod({}, [c("a", {"type": "Localhost", "localhostProfile": "any.json"})], {}, label("local"))
	count(violation) == 0 with input as review(lh, {"allowedProfiles": ["RuntimeDefault"]}) with data.inventory as spe
}

test_exception_that_does_not_match_keeps_denial if {
	obj := pod({"seccompProfile": {"type": "Unconfined"}}, [bare("a")], {}, label("local"))
	count(violation) == 1 with input as review(obj, restricted) with data.inventory as spe
}
