// The SWIFT IBAN Registry lives in the platform's shared domain code, where the feature's
// validation does too; re-exported so this feature's own modules and tests keep their import.
export { BANK_FIELDS, REGISTRY } from '../../shared/iban-registry.ts';
