package lib.common_test

import data.lib.common
import data.lib.exception
import data.lib.glob
import data.lib.message
import data.lib.range

pod := {"kind": "Pod", "metadata": {"name": "web", "namespace": "team-a", "labels": {"app": "web"}}, "spec": {
	"containers": [{"name": "app"}, {"name": "sidecar"}],
	"initContainers": [{"name": "setup"}],
	"ephemeralContainers": [{"name": "debug"}],
}}

deployment := {"kind": "Deployment", "metadata": {"name": "web", "namespace": "team-a"}, "spec": {"template": {
	"metadata": {"labels": {"app": "web"}},
	"spec": {"containers": [{"name": "app"}]},
}}}

cronjob := {"kind": "CronJob", "metadata": {"name": "nightly", "namespace": "team-a"}, "spec": {"jobTemplate": {"spec": {"template": {
	"metadata": {"labels": {"tier": "batch"}},
	"spec": {"initContainers": [{"name": "fetch"}]},
}}}}}

review(obj) := {"review": {"kind": {"kind": obj.kind}, "object": obj, "operation": "CREATE"}}

test_pod_containers_cover_all_three_lists if {
	paths := {common.path(e) | some e in common.containers} with input as review(pod)
	paths == {"spec.containers[0]", "spec.containers[1]", "spec.initContainers[0]", "spec.ephemeralContainers[0]"}
}

test_deployment_template if {
	paths := {common.path(e) | some e in common.containers} with input as review(deployment)
	paths == {"spec.template.spec.containers[0]"}
	common.pod_labels == {"app": "web"} with input as review(deployment)
}

test_cronjob_template if {
	paths := {common.path(e) | some e in common.containers} with input as review(cronjob)
	paths == {"spec.jobTemplate.spec.template.spec.initContainers[0]"}
	common.pod_labels == {"tier": "batch"} with input as review(cronjob)
}

test_unknown_kind_falls_back_to_spec if {
	obj := {"kind": "Widget", "metadata": {"name": "w"}, "spec": {"containers": [{"name": "c"}]}}
	paths := {common.path(e) | some e in common.containers} with input as review(obj)
	paths == {"spec.containers[0]"}
}

test_object_ref if {
	common.object_ref == "Pod team-a/web" with input as review(pod)
	common.object_ref == "ClusterRole admin" with input as review({"kind": "ClusterRole", "metadata": {"name": "admin"}})
	common.object_ref == "Pod team-a/web-*" with input as review({"kind": "Pod", "metadata": {"generateName": "web-", "namespace": "team-a"}})
}

test_kind_from_object_when_review_kind_missing if {
	common.kind == "Pod" with input as {"review": {"object": pod}}
}

test_container_subject if {
	entry := {"container": {"name": "setup"}, "field": "initContainers", "path": "spec.initContainers[0]"}
	common.container_subject(entry) == `Pod team-a/web, init container "setup"` with input as review(pod)
}

test_delete_and_windows if {
	common.is_delete with input as {"review": {"operation": "DELETE", "object": pod}}
	not common.is_delete with input as review(pod)
	common.is_windows_pod with input as review(object.union(pod, {"spec": {"os": {"name": "windows"}}}))
	not common.is_windows_pod with input as review(pod)
}

test_message_format if {
	message.format("Pod a/b", "spec.hostPID", true, false) == "Pod a/b: spec.hostPID is true; allowed: false"
	message.format("Pod a/b", "x", "Unmasked", ["Default"]) == `Pod a/b: x is Unmasked; allowed: ["Default"]`
	message.format_rule("Pod a/b", "x", null, "must be false") == "Pod a/b: x is unset; must be false"
}

test_ranges if {
	range.in_any(5, [{"min": 1, "max": 3}, {"min": 5, "max": 5}])
	not range.in_any(4, [{"min": 1, "max": 3}, {"min": 5, "max": 5}])
	range.in_range(100000, {"min": 10})
	not range.in_any(1, [])
}

test_glob if {
	glob.matches("kernel.*", "kernel.shm_rmid_forced")
	glob.matches("localhost/*", "localhost/profiles/a.json")
	not glob.matches("kernel.*", "net.kernel.x")
	glob.matches("*", "anything.at/all")
	not glob.matches("runtime/default", "runtime/defaults")
	glob.matches_any(["a", "b*"], "bee")
}

inventory := {"namespace": {"team-a": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {
	"pod-wide": {"spec": {"network": {"hostPID": {"allowedValue": true}}}},
	"for-sidecar": {"spec": {"securityContext": {"privileged": {"allowedValue": true}}}},
}}}}}

labelled_pod := object.union(pod, {"metadata": {"labels": {
	"security.deckhouse.io/security-policy-exception": "pod-wide",
	"security.deckhouse.io/security-policy-exception.container.sidecar": "for-sidecar",
}}})

test_exception_lookup if {
	spe := exception.for_pod with input as review(labelled_pod) with data.inventory as inventory
	exception.allowed(spe, ["network", "hostPID", "allowedValue"], false) == true
	app := {"container": {"name": "app"}, "field": "containers", "path": "spec.containers[0]"}
	sidecar := {"container": {"name": "sidecar"}, "field": "containers", "path": "spec.containers[1]"}
	exception.for_container(app) == spe with input as review(labelled_pod) with data.inventory as inventory
	side := exception.for_container(sidecar) with input as review(labelled_pod) with data.inventory as inventory
	exception.allowed(side, ["securityContext", "privileged", "allowedValue"], false) == true
}

test_exception_absent if {
	exception.for_pod == {} with input as review(pod) with data.inventory as inventory
	missing := object.union(pod, {"metadata": {"labels": {"security.deckhouse.io/security-policy-exception": "nope"}}})
	exception.for_pod == {} with input as review(missing) with data.inventory as inventory
}

test_reported_indices_and_more if {
	common.reported_indices(0) == []
	common.reported_indices(2) == [0, 1]
	common.reported_indices(100) == [0, 1, 2, 3]
	common.reported(1, 100, "m") == "m"
	common.reported(3, 4, "m") == "m"
	common.reported(3, 100, "m") == "m (and 96 more)"
}
