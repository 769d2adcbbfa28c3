#!/usr/bin/env bash
# Runs the private-link workflow against the ARM emulator's default world: builds the provider
# and the emulator, starts the emulator, then `terraform init`, `apply`, a second `plan` that must
# report no changes, and `destroy`. Prints what was created (endpoint IPs, record FQDNs).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)

(cd "$root" && cargo build --bin terraform-provider-aml && cargo build -p aml-arm-emulator)

tmp=$(mktemp -d)
mirror="$tmp/mirror/registry.terraform.io/secure-ml/aml/$version/linux_amd64"
mkdir -p "$mirror" "$tmp/work"
cp "$target/debug/terraform-provider-aml" "$mirror/terraform-provider-aml_v$version"
cp "$here/main.tf" "$tmp/work/"
cat > "$tmp/terraform.rc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$tmp/mirror"
    include = ["registry.terraform.io/secure-ml/aml"]
  }
  direct {
    exclude = ["registry.terraform.io/secure-ml/aml"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$tmp/terraform.rc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

"$target/debug/aml-arm-emulator" --listen 127.0.0.1:0 > "$tmp/emulator.env" 2> "$tmp/emulator.log" &
emulator=$!
trap 'kill $emulator 2>/dev/null; rm -rf "$tmp"' EXIT
until grep -q '^export SSL_CERT_FILE' "$tmp/emulator.env" 2>/dev/null; do sleep 0.1; done
eval "$(grep '^export ' "$tmp/emulator.env")"

cd "$tmp/work"
terraform init -input=false -no-color > /dev/null
start=$(date +%s%N)
terraform apply -auto-approve -input=false -no-color
echo "apply took $(( ($(date +%s%N) - start) / 1000000 )) ms"
terraform output -no-color
terraform plan -detailed-exitcode -input=false -no-color > plan.txt || { cat plan.txt; echo "the second plan has changes" >&2; exit 1; }
echo "second plan: no changes"
terraform destroy -auto-approve -input=false -no-color
