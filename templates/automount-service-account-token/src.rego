package gatewright.automount_service_account_token

import data.lib.common
import data.lib.message

token_dirs := ["/var/run/secrets/kubernetes.io/serviceaccount", "/run/secrets/kubernetes.io/serviceaccount"]

fix := "set automountServiceAccountToken: false"

# Pods cannot change these fields after creation; DVP leaves Pod updates alone and checks workload updates.
skipped if common.is_delete

skipped if {
	common.kind == "Pod"
	input.review.operation == "UPDATE"
}

field := sprintf("%s.automountServiceAccountToken", [common.spec_prefix])

service_account := object.get(common.pod_spec, "serviceAccountName", "") if {
	object.get(common.pod_spec, "serviceAccountName", "") != ""
} else := object.get(common.pod_spec, "serviceAccount", "") if {
	object.get(common.pod_spec, "serviceAccount", "") != ""
} else := "default"

# The mount path, without trailing slashes, is the token directory or lies below it.
token_path(path) if {
	trimmed := trim_right(path, "/")
	some dir in token_dirs
	trimmed == dir
}

token_path(path) if {
	some dir in token_dirs
	startswith(path, concat("", [dir, "/"]))
}

violation contains {"msg": msg, "details": message.details(field, true, false)} if {
	not skipped
	common.pod_spec.automountServiceAccountToken == true
	msg := message.format(common.object_ref, field, true, false)
}

violation contains {"msg": msg, "details": message.details(mount_field, mount.mountPath, "no service account token mount")} if {
	not skipped
	some entry in common.containers
	some i, mount in object.get(entry.container, "volumeMounts", [])
	token_path(mount.mountPath)
	mount_field := sprintf("%s.volumeMounts[%d].mountPath", [common.path(entry), i])
	msg := message.format_rule(common.container_subject(entry), mount_field, mount.mountPath, concat("", ["the service account token must not be mounted; ", fix]))
}

# A workload template that leaves the field unset gets the ServiceAccount's default; deny early when the synced
# ServiceAccount is known to automount. (For Pods the mount Kubernetes adds is what gets denied.)
violation contains {"msg": msg, "details": message.details(field, null, false)} if {
	not skipped
	common.kind != "Pod"
	object.get(common.pod_spec, "automountServiceAccountToken", null) == null
	sa := data.inventory.namespace[common.namespace].v1.ServiceAccount[service_account]
	object.get(sa, "automountServiceAccountToken", true) != false
	rule := sprintf("ServiceAccount %q automounts its token; %s on the pod template or the ServiceAccount", [service_account, fix])
	msg := message.format_rule(common.object_ref, field, null, rule)
}
