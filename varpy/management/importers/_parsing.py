"""Text-parsing machinery shared by varpy's importers (private): one import point for the readers.

Every reader works in two stages:

* a **fast path** that parses the whole file with vectorised code (pandas' C tokenizer for
  delimited files, pyarrow string kernels for fixed-width files, and a numpy parser for
  zero-padded dates such as ``dd-mm-yyyy``); it only *detects* that something is wrong;
* a **diagnosis** that, once a problem is detected, re-reads the file line by line in plain
  Python to find the first offending line and field and raises a
  :class:`~varpy.exceptions.DataFormatError` that names them.

Valid files therefore cost little more than one ``pandas.read_csv``, and invalid files still get
exact messages. Nothing is ever returned partially.

The code lives in modules named after what they hold; this module only re-exports them (readers
import ``_parsing as P``):

* ``_text``: file checks, decoding, header lines;
* ``_times``: dates and times to int64 nanoseconds;
* ``_delimited``: :class:`Field` and :class:`DelimitedFile`;
* ``_fixed``: :class:`TextLines`, fixed-width lines sliced by position;
* ``_columns``: sorting, reordering and cleaning of parsed columns.

Import order (lower never imports higher): ``_text``, ``_times``, ``_columns`` import no
importer module; ``_delimited`` and ``_fixed`` import those three.
"""
from varpy.management.importers._text import (  # noqa: F401
    MISSING_TEXT, check_file, decode_error, read_header_lines, resolve_encoding)
from varpy.management.importers._times import (  # noqa: F401
    NAT, YEAR_MAX, YEAR_MIN, _NAT, _NS_PER_S, _code_matrix, civil_ns, datetime_ns,
    days_from_civil, strptime_checked, utc_series)
from varpy.management.importers._columns import (  # noqa: F401
    ECVD_FLOATS, IMPORT_NOTES, add_note, assemble, clean_text, integer_text, labels_from_codes,
    mask_codes, note_order, sort_order, take)
from varpy.management.importers._delimited import (  # noqa: F401
    _SEP_NAMES, DelimitedFile, Field)
from varpy.management.importers._fixed import TextLines, char_matrix, value_zones  # noqa: F401
