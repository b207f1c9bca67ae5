// Copyright FantasyTalking contributors. Apache-2.0.

#include "ContentBrowserMenuContexts.h"
#include "FantasyTalkingBakeLibrary.h"
#include "FantasyTalkingBakeSettings.h"
#include "Framework/Notifications/NotificationManager.h"
#include "Misc/PackageName.h"
#include "Modules/ModuleManager.h"
#include "Sound/SoundWave.h"
#include "ToolMenus.h"
#include "Widgets/Notifications/SNotificationList.h"

#define LOCTEXT_NAMESPACE "FantasyTalkingEditor"

/** Adds "Bake FantasyTalking Animation" to the Content Browser's menu for sound waves. */
class FFantasyTalkingEditorModule : public IModuleInterface
{
public:
	virtual void StartupModule() override
	{
		UToolMenus::RegisterStartupCallback(FSimpleMulticastDelegate::FDelegate::CreateRaw(this, &FFantasyTalkingEditorModule::RegisterMenus));
	}

	virtual void ShutdownModule() override
	{
		UToolMenus::UnRegisterStartupCallback(this);
		UToolMenus::UnregisterOwner(this);
	}

private:
	void RegisterMenus()
	{
		FToolMenuOwnerScoped OwnerScoped(this);
		UToolMenu* Menu = UToolMenus::Get()->ExtendMenu(TEXT("ContentBrowser.AssetContextMenu.SoundWave"));
		FToolMenuSection& Section = Menu->FindOrAddSection(TEXT("GetAssetActions"));
		Section.AddDynamicEntry(TEXT("FantasyTalkingBake"), FNewToolMenuSectionDelegate::CreateLambda([](FToolMenuSection& InSection)
		{
			const UContentBrowserAssetContextMenuContext* Context = InSection.FindContext<UContentBrowserAssetContextMenuContext>();
			if (!Context)
			{
				return;
			}
			TArray<TWeakObjectPtr<USoundWave>> Sounds;
			for (USoundWave* Sound : Context->LoadSelectedObjects<USoundWave>())
			{
				Sounds.Add(Sound);
			}
			InSection.AddMenuEntry(TEXT("FantasyTalkingBakeEntry"),
				LOCTEXT("BakeLabel", "Bake FantasyTalking Animation"),
				LOCTEXT("BakeTooltip", "Animates each selected sound on the FantasyTalking server and saves an AnimSequence next to it "
					"(skeleton, rate, remap and bones: Editor Preferences > Plugins > FantasyTalking Bake)"),
				FSlateIcon(),
				FUIAction(FExecuteAction::CreateLambda([Sounds]() { BakeAll(Sounds); })));
		}));
	}

	static void BakeAll(const TArray<TWeakObjectPtr<USoundWave>>& Sounds)
	{
		const UFantasyTalkingBakeSettings* Settings = GetDefault<UFantasyTalkingBakeSettings>();
		int32 Baked = 0;
		FString LastError;
		for (const TWeakObjectPtr<USoundWave>& Weak : Sounds)
		{
			USoundWave* Sound = Weak.Get();
			if (!Sound)
			{
				continue;
			}
			const FString PackagePath = FPackageName::GetLongPackagePath(Sound->GetOutermost()->GetName()) / (Sound->GetName() + Settings->Suffix);
			FString Error;
			if (UFantasyTalkingBakeLibrary::BakeSoundWave(Sound, Settings->Options, PackagePath, Error))
			{
				++Baked;
			}
			else
			{
				LastError = Error;
			}
		}
		FNotificationInfo Info(LastError.IsEmpty()
			? FText::Format(LOCTEXT("BakeDone", "Baked {0} FantasyTalking animation(s)"), Baked)
			: FText::Format(LOCTEXT("BakeFailed", "Baked {0} of {1}: {2}"), Baked, Sounds.Num(), FText::FromString(LastError)));
		Info.ExpireDuration = LastError.IsEmpty() ? 4.0f : 10.0f;
		FSlateNotificationManager::Get().AddNotification(Info);
	}
};

IMPLEMENT_MODULE(FFantasyTalkingEditorModule, FantasyTalkingEditor)

#undef LOCTEXT_NAMESPACE
