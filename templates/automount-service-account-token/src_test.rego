package gatewright.automount_service_account_token_test

import data.gatewright.automount_service_account_token.violation

review(obj, op) := {"review": {"operation": op, "kind": {"kind": obj.kind}, "object": obj}}

pod(spec) := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": spec}

deployment(spec) := {"kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}, "spec": {"template": {"spec": spec}}}

token_mount := {"name": "kube-api-access-x", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}

sa(name, automount) := {"namespace": {"ns": {"v1": {"ServiceAccount": {name: {
	"kind": "ServiceAccount",
	"metadata": {"name": name, "namespace": "ns"},
	"automountServiceAccountToken": automount,
}}}}}}

sa_unset := {"namespace": {"ns": {"v1": {"ServiceAccount": {"default": {"kind": "ServiceAccount", "metadata": {"name": "default"}}}}}}}

test_explicit_false_passes if {
	count(violation) == 0 with input as review(pod({"automountServiceAccountToken": false, "containers": [{"name": "a"}]}), "CREATE")
}

test_explicit_true_denied if {
	some v in violation with input as review(pod({"automountServiceAccountToken": true, "containers": [{"name": "a"}]}), "CREATE")
	v.msg == "Pod ns/p: spec.automountServiceAccountToken is true; allowed: false"
}

test_injected_token_mount_denied if {
	vs := violation with input as review(pod({"containers": [{"name": "a", "volumeMounts": [{"name": "data", "mountPath": "/data"}, token_mount]}]}), "CREATE")
	{v.msg | some v in vs} == {`Pod ns/p, container "a": spec.containers[0].volumeMounts[1].mountPath is /var/run/secrets/kubernetes.io/serviceaccount; the service account token must not be mounted; set automountServiceAccountToken: false`}
}

test_token_path_variants if {
	paths := ["/var/run/secrets/kubernetes.io/serviceaccount/", "/run/secrets/kubernetes.io/serviceaccount", "/var/run/secrets/kubernetes.io/serviceaccount/token"]
	every p in paths {
		count(violation) == 1 with input as review(pod({"containers": [{"name": "a", "volumeMounts": [{"name": "t", "mountPath": p}]}]}), "CREATE")
	}
	count(violation) == 0 with input as review(pod({"containers": [{"name": "a", "volumeMounts": [{"name": "t", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount-other"}]}]}), "CREATE")
}

test_init_and_ephemeral_mounts if {
	obj := pod({"containers": [{"name": "a"}], "initContainers": [{"name": "i", "volumeMounts": [token_mount]}], "ephemeralContainers": [{"name": "e", "volumeMounts": [token_mount]}]})
	count(violation) == 2 with input as review(obj, "CREATE")
}

test_pod_unset_without_mount_passes if {
	count(violation) == 0 with input as review(pod({"containers": [{"name": "a"}]}), "CREATE") with data.inventory as sa_unset
}

test_pod_update_skipped_workload_update_checked if {
	count(violation) == 0 with input as review(pod({"automountServiceAccountToken": true, "containers": [{"name": "a"}]}), "UPDATE")
	count(violation) == 1 with input as review(deployment({"automountServiceAccountToken": true, "containers": [{"name": "a"}]}), "UPDATE")
}

test_delete_skipped if {
	count(violation) == 0 with input as review(deployment({"automountServiceAccountToken": true, "containers": [{"name": "a"}]}), "DELETE")
}

test_workload_unset_uses_synced_service_account if {
	unset := deployment({"containers": [{"name": "a"}]})
	some v in violation with input as review(unset, "CREATE") with data.inventory as sa_unset
	v.msg == `Deployment ns/d: spec.template.spec.automountServiceAccountToken is unset; ServiceAccount "default" automounts its token; set automountServiceAccountToken: false on the pod template or the ServiceAccount`
	count(violation) == 0 with input as review(unset, "CREATE") with data.inventory as sa("default", false)
	count(violation) == 1 with input as review(unset, "CREATE") with data.inventory as sa("default", true)
	count(violation) == 0 with input as review(unset, "CREATE")
}

test_workload_service_account_name if {
	named := deployment({"serviceAccountName": "builder", "containers": [{"name": "a"}]})
	count(violation) == 1 with input as review(named, "CREATE") with data.inventory as sa("builder", true)
	count(violation) == 0 with input as review(named, "CREATE") with data.inventory as sa("default", true)
	legacy := deployment({"serviceAccount": "builder", "containers": [{"name": "a"}]})
	count(violation) == 1 with input as review(legacy, "CREATE") with data.inventory as sa("builder", true)
}
