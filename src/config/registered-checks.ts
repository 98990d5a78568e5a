/**
 * Imports every module that registers cross-key checks, so that loading a
 * configuration always runs all of them, whichever part of dirgate starts.
 */
import '../directory/embedded/config-checks.js';
import '../directory/view/config-checks.js';
import '../firewall/settings.js';
import '../sessions/config.js';
import '../spml/config.js';
