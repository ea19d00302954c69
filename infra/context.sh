# Herald's deployment settings, read from the environment and handed to the CDK app as context.
# Sourced by scripts/synth.sh and scripts/deploy.sh; the README's "Deploying" lists them.
# Where a function reads the same setting (HERALD_EMAIL_FROM, HERALD_CLAIM_ORG, ...), the
# variable has the function's name.

# context key = environment variable
herald_context=(
  jwtIssuer=HERALD_JWT_ISSUER
  jwtAudience=HERALD_JWT_AUDIENCE
  sesIdentity=HERALD_SES_IDENTITY
  emailFrom=HERALD_EMAIL_FROM
  sesConfigurationSet=HERALD_SES_CONFIGURATION_SET
  portalOrigin=HERALD_PORTAL_ORIGIN
  claimOrg=HERALD_CLAIM_ORG
  claimRole=HERALD_CLAIM_ROLE
  alarmEmail=HERALD_ALARM_EMAIL
  namePrefix=HERALD_NAME_PREFIX
)

# herald_context_args prints the set variables as the cdk CLI's -c key=value arguments, one a
# line.
herald_context_args() {
  local pair
  for pair in "${herald_context[@]}"; do
    local var=${pair#*=} key=${pair%%=*}
    [ -z "${!var:-}" ] || printf -- '-c\n%s=%s\n' "$key" "${!var}"
  done
}

# herald_context_json prints the set variables as a JSON object, as the CDK app reads it from
# CDK_CONTEXT_JSON when it runs without the cdk CLI.
herald_context_json() {
  local pair sep='' out='{'
  for pair in "${herald_context[@]}"; do
    local var=${pair#*=} key=${pair%%=*}
    [ -n "${!var:-}" ] || continue
    local v=${!var//\\/\\\\}
    v=${v//\"/\\\"}
    out+="$sep\"$key\":\"$v\""
    sep=,
  done
  printf '%s}\n' "$out"
}
