/** Types for scripts/conformance.mjs, so the TypeScript conformance tests can call it. */
export declare const REPO_ROOT: string;
export declare function oasisDir(explicit?: string): string;
export declare function checkTools(schemaDir: string): string[];
export type DocumentKind = 'bare' | 'soap11' | 'soap12' | 'fault' | 'unknown';
export declare function classify(xml: string): DocumentKind;
export interface ValidationResult {
  file: string;
  kind: DocumentKind;
  ok: boolean;
  errors: string[];
}
export declare function validateFiles(schemaDir: string, files: string[]): ValidationResult[];
