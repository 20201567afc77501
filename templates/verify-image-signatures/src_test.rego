package gatewright.verify_image_signatures_test

import data.gatewright.verify_image_signatures.keys
import data.gatewright.verify_image_signatures.violation

key_a := "-----BEGIN PUBLIC KEY-----\nA\n-----END PUBLIC KEY-----"

params := {"references": [
	{"reference": "registry.private.ru/labs/application/*", "publicKeys": [key_a]},
	{"reference": "registry.example.com/pinned:1.0", "publicKeys": [key_a], "ca": "CA PEM"},
	{"reference": "docker.io/library/nginx:*", "publicKeys": [key_a]},
]}

review(kind, obj, op) := {"parameters": params, "review": {"operation": op, "kind": {"kind": kind}, "object": obj}}

pod(containers) := review("Pod", {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {"containers": containers}}, "CREATE")

request_key(img, ref) := json.marshal(object.union({"image": img, "publicKeys": ref.publicKeys}, ca(ref)))

ca(ref) := {"ca": ref.ca} if ref.ca

else := {}

# Provider doubles: Gatekeeper's external_data answer shapes (responses, errors, system_error).
signed(req) := {"responses": [[k, {"verified": true}] | some k in req.keys], "errors": [], "status_code": 200, "system_error": ""}

unsigned(req) := {"responses": [], "errors": [[k, "unsigned: no Cosign signature"] | some k in req.keys], "status_code": 200, "system_error": ""}

down(_) := {"responses": [], "errors": [], "status_code": 0, "system_error": "Post \"https://provider:8443/validate\": dial tcp: connection refused"}

silent(_) := {"responses": [], "errors": [], "status_code": 200, "system_error": ""}

unconfirmed(req) := {"responses": [[k, {"verified": false}] | some k in req.keys], "errors": [], "status_code": 200, "system_error": ""}

test_signed_image_admitted if {
	count(violation) == 0 with input as pod([{"name": "app", "image": "registry.private.ru/labs/application/image:latest"}])
		with external_data as signed
}

test_unsigned_image_denied_with_dvp_wording_and_reason if {
	some v in violation with input as pod([{"name": "app", "image": "registry.private.ru/labs/application/image:latest"}])
		with external_data as unsigned
	v.msg == `Image signature verification failed: registry.private.ru/labs/application/image:latest; unsigned: no Cosign signature; Pod ns/p, container "app": spec.containers[0].image`
	v.details.actual == "registry.private.ru/labs/application/image:latest"
}

test_uncovered_image_unaffected_and_not_sent if {
	inp := pod([{"name": "app", "image": "registry.private.ru/labs/other/image:1"}, {"name": "b", "image": "quay.io/x:1"}])
	count(violation) == 0 with input as inp with external_data as unsigned
	count(keys) == 0 with input as inp
}

test_exact_reference_matches_only_itself if {
	count(violation) == 1 with input as pod([{"name": "a", "image": "registry.example.com/pinned:1.0"}]) with external_data as unsigned
	count(violation) == 0 with input as pod([{"name": "a", "image": "registry.example.com/pinned:1.0.1"}]) with external_data as unsigned
	count(violation) == 0 with input as pod([{"name": "a", "image": "registry.example.com/pinned"}]) with external_data as unsigned
}

test_star_is_a_prefix_not_a_glob_inside if {
	count(violation) == 1 with input as pod([{"name": "a", "image": "registry.private.ru/labs/application/x/y:2"}]) with external_data as unsigned
	count(violation) == 0 with input as pod([{"name": "a", "image": "registry.private.ru/labs/applications:1"}]) with external_data as unsigned
}

test_normalised_form_is_covered if {
	count(violation) == 1 with input as pod([{"name": "a", "image": "nginx:1.17.2"}]) with external_data as unsigned
	count(violation) == 1 with input as pod([{"name": "a", "image": "nginx"}]) with external_data as unsigned
}

test_key_carries_the_reference_keys_and_ca if {
	keys == [request_key("registry.example.com/pinned:1.0", params.references[1])] with input as pod([{"name": "a", "image": "registry.example.com/pinned:1.0"}])
	keys == [`{"ca":"CA PEM","image":"registry.example.com/pinned:1.0","publicKeys":["-----BEGIN PUBLIC KEY-----\nA\n-----END PUBLIC KEY-----"]}`] with input as pod([{"name": "a", "image": "registry.example.com/pinned:1.0"}])
}

test_key_carries_the_sealed_credentials_and_never_an_empty_field if {
	sealed := {"references": [
		{"reference": "registry.example.com/private/*", "publicKeys": [key_a], "credentials": "gwsealed.v1.abc.xyz"},
		{"reference": "registry.example.com/public/*", "publicKeys": [key_a], "ca": "", "credentials": ""},
	]}
	keys == [`{"credentials":"gwsealed.v1.abc.xyz","image":"registry.example.com/private/app:1","publicKeys":["-----BEGIN PUBLIC KEY-----\nA\n-----END PUBLIC KEY-----"]}`] with input as object.union(pod([{"name": "a", "image": "registry.example.com/private/app:1"}]), {"parameters": sealed})
	keys == [`{"image":"registry.example.com/public/app:1","publicKeys":["-----BEGIN PUBLIC KEY-----\nA\n-----END PUBLIC KEY-----"]}`] with input as object.union(pod([{"name": "a", "image": "registry.example.com/public/app:1"}]), {"parameters": sealed})
}

test_same_image_in_two_containers_sent_once_denied_twice if {
	inp := pod([{"name": "a", "image": "nginx:1"}, {"name": "b", "image": "nginx:1"}])
	count(keys) == 1 with input as inp
	count(violation) == 2 with input as inp with external_data as unsigned
}

test_init_ephemeral_and_workload_templates_checked if {
	obj := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {
		"containers": [{"name": "a", "image": "quay.io/ok:1"}],
		"initContainers": [{"name": "i", "image": "nginx:1"}],
		"ephemeralContainers": [{"name": "e", "image": "registry.private.ru/labs/application/debug:1"}],
	}}
	count(violation) == 2 with input as review("Pod", obj, "CREATE") with external_data as unsigned
	deploy := {"kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "nginx:1"}]}}}}
	some v in violation with input as review("Deployment", deploy, "CREATE") with external_data as unsigned
	endswith(v.msg, `Deployment ns/d, container "a": spec.template.spec.containers[0].image`)
	cron := {"kind": "CronJob", "metadata": {"name": "c", "namespace": "ns"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "nginx:1"}]}}}}}}
	count(violation) == 1 with input as review("CronJob", cron, "CREATE") with external_data as unsigned
}

# The provider answers a registry failure as a system error (Gatekeeper caches items, not system errors): keys it
# confirmed stay admitted, the others are denied with the registry's reason, unprefixed.
registry_down(req) := {"responses": [[k, {"verified": true}] | some k in req.keys; contains(k, "signed")], "errors": [], "status_code": 200, "system_error": "registry error: registry.private.ru refused the connection"}

test_registry_failure_as_system_error_denies_only_unconfirmed_keys if {
	count(violation) == 0 with input as pod([{"name": "a", "image": "registry.private.ru/labs/application/signed:1"}]) with external_data as registry_down
	some v in violation with input as pod([{"name": "a", "image": "registry.private.ru/labs/application/other:1"}]) with external_data as registry_down
	contains(v.msg, "other:1; registry error: registry.private.ru refused the connection; Pod ns/p")
}

test_provider_down_denies if {
	some v in violation with input as pod([{"name": "a", "image": "nginx:1"}]) with external_data as down
	contains(v.msg, "; provider error: Post ")
}

test_provider_silent_or_unconfirmed_denies if {
	some v in violation with input as pod([{"name": "a", "image": "nginx:1"}]) with external_data as silent
	contains(v.msg, "; no answer from the signature provider;")
	some w in violation with input as pod([{"name": "a", "image": "nginx:1"}]) with external_data as unconfirmed
	contains(w.msg, "; the signature provider did not confirm a signature;")
}

test_delete_and_no_references_skipped if {
	obj := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {"containers": [{"name": "a", "image": "nginx:1"}]}}
	count(violation) == 0 with input as review("Pod", obj, "DELETE") with external_data as unsigned
	count(violation) == 0 with input as {"review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": obj}} with external_data as unsigned
}

test_container_without_image_skipped if {
	count(violation) == 0 with input as pod([{"name": "a"}]) with external_data as unsigned
}
