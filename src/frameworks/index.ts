/** Frameworks as data: catalogs, crosswalks, coverage and OSCAL. The core imports from here. */
export {
  Catalog,
  type Control,
  catalogsDir,
  FRAMEWORK_IDS,
  FrameworkId,
  findControl,
  frameworkId,
  type LoadedCatalog,
  loadCatalog,
  loadCatalogs,
  requireControl,
} from './catalog.js';
export {
  COVERAGE_STATUSES,
  type ControlCoverage,
  CoverageReport,
  CoverageStatus,
  computeCoverage,
  type EvidenceLink,
  type FrameworkCoverage,
  unknownEvidenceIds,
} from './coverage.js';
export {
  Crosswalk,
  type CrosswalkRow,
  crosswalkRows,
  type DerivedLink,
  deriveLinks,
  getCrosswalk,
  inconsistentWithOfficial,
  loadCrosswalks,
} from './crosswalk.js';
export {
  coverageOf,
  exportOscalCatalogs,
  importOscalCatalogText,
  OSCAL_VERSION,
  oscalControlId,
  oscalMappingCollections,
  toOscalAssessmentResults,
  toOscalCatalog,
  toOscalMapping,
} from './oscal.js';
