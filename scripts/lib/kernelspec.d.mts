// Types of scripts/lib/kernelspec.mjs for the TypeScript tests that import it.

export declare const KERNEL_DISPLAY_NAME: "TypeScript (course)";
/** scripts/kernel/launch.cjs: the course's layer over the pinned tslab. */
export declare const KERNEL_LAUNCHER: string;

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: "typescript";
}

/** The course-ts spec; plainTslab gives tslab's own bin instead of the launcher (tests only). */
export declare function kernelSpec(node?: string, options?: { plainTslab?: boolean }): KernelSpec;
export declare function kernelSpecDir(): string;
export declare function writeKernelSpec(spec?: KernelSpec, dir?: string): boolean;
export declare function installUserKernelSpec(): { status: "installed" | "unchanged" | "failed"; detail: string };
