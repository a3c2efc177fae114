export * from './org-units/org-unit-code';
export * from './cases/category-catalogue';
export * from './cases/case-intake';
export * from './privacy/redact';
export * from './people/resident-id';
export * from './cases/case-workflow';
export * from './cases/working-time';
export * from './cases/case-rules';
