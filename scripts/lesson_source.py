"""Print the ``source`` digests a lesson's translations record (core/translations.py):
``python scripts/lesson_source.py lessons/<slug>`` -> one line per file to translate."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from visualizer.core import lessons, translations  # noqa: E402


def main(folder: str) -> None:
    path = Path(folder).resolve()
    lesson = lessons.load_lesson(path, path.parent)
    print(f"lesson.<lang>.toml  source = \"{translations.digest(translations.title_source(lesson))}\"")
    if lesson.intro:
        print(f"intro.<lang>.md     <!-- source: {translations.digest(lesson.intro)} -->")
    for s in lesson.steps:
        name = s.explain_file or f"step{s.number}.md"
        print(f"{name.replace('.md', '.<lang>.md'):19} <!-- source: {translations.digest(s.explain)} -->")


if __name__ == "__main__":
    main(sys.argv[1])
