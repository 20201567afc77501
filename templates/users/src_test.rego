package gatewright.users_test

import data.gatewright.users.violation

non_root := {"runAsUser": {"rule": "MustRunAsNonRoot"}}

pss := {"runAsUser": {"rule": "MustRunAsNonRoot"}, "allowRootInUserNamespace": true}

review(obj, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": obj.kind}, "object": obj}}

pod(pod_sc, containers) := {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns"},
	"spec": {"securityContext": pod_sc, "containers": containers},
}

c(name, sc) := {"name": name, "securityContext": sc}

msgs(obj, params) := m if {
	vs := violation with input as review(obj, params)
	m := {v.msg | some v in vs}
}

# --- MustRunAsNonRoot, as PSA restricted runAsNonRoot / runAsUser -------------------------------------------------

test_non_root_on_pod_or_every_container_passes if {
	count(violation) == 0 with input as review(pod({"runAsNonRoot": true}, [c("a", {}), c("b", {"runAsUser": 1000})]), non_root)
	count(violation) == 0 with input as review(pod({}, [c("a", {"runAsNonRoot": true}), c("b", {"runAsNonRoot": true})]), non_root)
}

test_unset_everywhere_denied if {
	msgs(pod({}, [c("a", {})]), non_root) == {`Pod ns/p, container "a": spec.containers[0].securityContext.runAsNonRoot is unset; must be true on the container or the pod (runAsUser rule MustRunAsNonRoot)`}
}

test_non_zero_uid_alone_is_not_enough if {
	count(violation) == 1 with input as review(pod({"runAsUser": 1000}, [c("a", {})]), non_root)
}

test_explicit_false_anywhere_denied if {
	msgs(pod({"runAsNonRoot": true}, [c("a", {"runAsNonRoot": false})]), non_root) == {`Pod ns/p, container "a": spec.containers[0].securityContext.runAsNonRoot is false; allowed: true`}
	msgs(pod({"runAsNonRoot": false}, [c("a", {"runAsNonRoot": true})]), non_root) == {`Pod ns/p: spec.securityContext.runAsNonRoot is false; allowed: true`}
	msgs(pod({"runAsNonRoot": false}, [c("a", {})]), non_root) == {`Pod ns/p: spec.securityContext.runAsNonRoot is false; allowed: true`}
}

test_uid_zero_anywhere_denied if {
	msgs(pod({"runAsNonRoot": true, "runAsUser": 0}, [c("a", {"runAsUser": 1000})]), non_root) == {`Pod ns/p: spec.securityContext.runAsUser is 0; must not be 0 (runAsUser rule MustRunAsNonRoot)`}
	msgs(pod({"runAsNonRoot": true}, [c("a", {"runAsUser": 0})]), non_root) == {`Pod ns/p, container "a": spec.containers[0].securityContext.runAsUser is 0; must not be 0 (runAsUser rule MustRunAsNonRoot)`}
}

test_user_namespace_relaxation_only_with_parameter if {
	obj := object.union(pod({"runAsUser": 0}, [c("a", {"runAsNonRoot": false})]), {"spec": {"hostUsers": false}})
	count(violation) == 0 with input as review(obj, pss)
	count(violation) == 2 with input as review(obj, non_root)
	host_users := object.union(pod({"runAsUser": 0}, [c("a", {})]), {"spec": {"hostUsers": true}})
	count(violation) == 2 with input as review(host_users, pss)
}

test_every_container_kind if {
	obj := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {
		"containers": [c("app", {"runAsNonRoot": true})],
		"initContainers": [c("init", {})],
		"ephemeralContainers": [c("dbg", {"runAsUser": 0, "runAsNonRoot": true})],
	}}
	msgs(obj, non_root) == {
		`Pod ns/p, init container "init": spec.initContainers[0].securityContext.runAsNonRoot is unset; must be true on the container or the pod (runAsUser rule MustRunAsNonRoot)`,
		`Pod ns/p, ephemeral container "dbg": spec.ephemeralContainers[0].securityContext.runAsUser is 0; must not be 0 (runAsUser rule MustRunAsNonRoot)`,
	}
}

test_workload_templates_skip_absent_fields_but_check_set_ones if {
	absent := {"kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}, "spec": {"template": {"spec": {"containers": [c("app", {})]}}}}
	count(violation) == 0 with input as review(absent, non_root)
	count(violation) == 0 with input as review(absent, {"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1000}]}, "fsGroup": {"rule": "MustRunAs"}})
	set := {"kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}, "spec": {"template": {"spec": {"containers": [c("app", {"runAsNonRoot": false})]}}}}
	msgs(set, non_root) == {`Deployment ns/d, container "app": spec.template.spec.containers[0].securityContext.runAsNonRoot is false; allowed: true`}
}

test_run_as_any_and_absent_rules_check_nothing if {
	obj := pod({"runAsUser": 0, "fsGroup": 0, "supplementalGroups": [0]}, [c("a", {"runAsGroup": 0})])
	count(violation) == 0 with input as review(obj, {})
	count(violation) == 0 with input as review(obj, {"runAsUser": {"rule": "RunAsAny"}, "runAsGroup": {"rule": "RunAsAny"}, "fsGroup": {"rule": "RunAsAny"}})
}

# --- MustRunAs / MayRunAs ranges ----------------------------------------------------------------------------------

uid_range := {"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 100, "max": 200}]}}

test_run_as_user_must_run_as if {
	count(violation) == 0 with input as review(pod({"runAsUser": 150}, [c("a", {}), c("b", {"runAsUser": 200})]), uid_range)
	msgs(pod({"runAsUser": 150}, [c("a", {"runAsUser": 0})]), uid_range) == {`Pod ns/p, container "a": spec.containers[0].securityContext.runAsUser is 0; allowed: [{"max":200,"min":100}]`}
	msgs(pod({"runAsUser": 50}, [c("a", {})]), uid_range) == {`Pod ns/p, container "a": spec.securityContext.runAsUser is 50; allowed: [{"max":200,"min":100}]`}
	msgs(pod({}, [c("a", {})]), uid_range) == {`Pod ns/p, container "a": spec.containers[0].securityContext.runAsUser is unset; must be set, within [{"max":200,"min":100}]`}
}

test_run_as_group if {
	must := {"runAsGroup": {"rule": "MustRunAs", "ranges": [{"min": 300, "max": 500}]}}
	may := {"runAsGroup": {"rule": "MayRunAs", "ranges": [{"min": 300, "max": 500}]}}
	count(violation) == 0 with input as review(pod({"runAsGroup": 300}, [c("a", {})]), must)
	count(violation) == 1 with input as review(pod({}, [c("a", {})]), must)
	count(violation) == 0 with input as review(pod({}, [c("a", {})]), may)
	msgs(pod({}, [c("a", {"runAsGroup": 10})]), may) == {`Pod ns/p, container "a": spec.containers[0].securityContext.runAsGroup is 10; allowed: [{"max":500,"min":300}]`}
}

test_supplemental_groups if {
	must := {"supplementalGroups": {"rule": "MustRunAs", "ranges": [{"min": 129, "max": 133}]}}
	may := {"supplementalGroups": {"rule": "MayRunAs", "ranges": [{"min": 129, "max": 133}]}}
	count(violation) == 0 with input as review(pod({"supplementalGroups": [129, 133]}, [c("a", {})]), must)
	msgs(pod({"supplementalGroups": [129, 5]}, [c("a", {})]), must) == {`Pod ns/p: spec.securityContext.supplementalGroups[1] is 5; allowed: [{"max":133,"min":129}]`}
	msgs(pod({}, [c("a", {})]), must) == {`Pod ns/p: spec.securityContext.supplementalGroups is unset; must be set, within [{"max":133,"min":129}]`}
	count(violation) == 0 with input as review(pod({}, [c("a", {})]), may)
}

test_fs_group if {
	must := {"fsGroup": {"rule": "MustRunAs", "ranges": [{"min": 100, "max": 200}]}}
	may := {"fsGroup": {"rule": "MayRunAs", "ranges": [{"min": 100, "max": 200}]}}
	count(violation) == 0 with input as review(pod({"fsGroup": 100}, [c("a", {})]), must)
	msgs(pod({"fsGroup": 1}, [c("a", {})]), may) == {`Pod ns/p: spec.securityContext.fsGroup is 1; allowed: [{"max":200,"min":100}]`}
	count(violation) == 1 with input as review(pod({}, [c("a", {})]), must)
	count(violation) == 0 with input as review(pod({}, [c("a", {})]), may)
}

test_delete_skipped if {
	inp := json.patch(review(pod({}, [c("a", {})]), non_root), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(violation) == 0 with input as inp
}

# --- exceptions ---------------------------------------------------------------------------------------------------

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {
	"root": {"spec": {"securityContext": {"runAsUser": {"allowedValues": [0]}, "runAsNonRoot": {"allowedValue": false}}}},
	"uid-50": {"spec": {"securityContext": {"runAsUser": {"allowedValues": [50]}}}},
	"non-root-true": {"spec": {"securityContext": {"runAsNonRoot": {"allowedValue": true}}}},
}}}}}

labelled(obj, name) := object.union(obj, {"metadata": {"labels": {"security.deckhouse.io/security-policy-exception": name}}})

test_exception_admits_root if {
	obj := labelled(pod({"runAsUser": 0, "runAsNonRoot": false}, [c("a", {"runAsUser": 0}), c("b", {"runAsNonRoot": false})]), "root")
	count(violation) == 0 with input as review(obj, non_root) with data.inventory as spe
	unset := labelled(pod({}, [c("a", {})]), "root")
	count(violation) == 0 with input as review(unset, non_root) with data.inventory as spe
}

test_exception_admits_listed_uid if {
	obj := labelled(pod({"runAsUser": 50}, [c("a", {})]), "uid-50")
	count(violation) == 0 with input as review(obj, uid_range) with data.inventory as spe
	other := labelled(pod({"runAsUser": 51}, [c("a", {})]), "uid-50")
	count(violation) == 1 with input as review(other, uid_range) with data.inventory as spe
}

test_exception_that_does_not_match_keeps_denial if {
	obj := labelled(pod({"runAsNonRoot": false, "runAsUser": 0}, [c("a", {})]), "non-root-true")
	count(violation) == 2 with input as review(obj, non_root) with data.inventory as spe
	uid := labelled(pod({"runAsNonRoot": true, "runAsUser": 0}, [c("a", {})]), "uid-50")
	count(violation) == 1 with input as review(uid, non_root) with data.inventory as spe
}

test_null_pod_security_context_is_empty if {
	obj := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {"securityContext": null, "containers": [c("a", {})]}}
	msgs(obj, {"fsGroup": {"rule": "MustRunAs"}}) == {`Pod ns/p: spec.securityContext.fsGroup is unset; must be set, within []`}
}
